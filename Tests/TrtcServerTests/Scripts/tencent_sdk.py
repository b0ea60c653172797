#!/usr/bin/env python3
"""Calls trtc-server with Tencent's own SDKs, unchanged: the official TRTC server-API SDK
(tencentcloud-sdk-python-trtc) and the official UserSig library (tls-sig-api-v2).

  tencent_sdk.py api ENDPOINT SECRET_ID SECRET_KEY ACTION JSON [CA_FILE]
                                                                 -> prints {"RequestId":…} or {"Code":…,"Message":…}
     (with CA_FILE: https, the server's certificate verified against that CA with the SDK's own `certification` option)
  tencent_sdk.py usersig SDKAPPID KEY USERID [EXPIRE]            -> prints a UserSig made by Tencent's library
"""
import json
import sys


def api(endpoint, secret_id, secret_key, action, body, ca_file=None):
    from tencentcloud.common import credential
    from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
    from tencentcloud.common.profile.client_profile import ClientProfile
    from tencentcloud.common.profile.http_profile import HttpProfile
    from tencentcloud.trtc.v20190722 import models, trtc_client

    if ca_file:
        http = HttpProfile(protocol="https", endpoint=endpoint, certification=ca_file)
    else:
        http = HttpProfile(protocol="http", endpoint=endpoint)
    profile = ClientProfile(httpProfile=http)
    client = trtc_client.TrtcClient(credential.Credential(secret_id, secret_key), "ap-guangzhou", profile)
    request = getattr(models, action + "Request")()
    request.from_json_string(body)
    try:
        response = getattr(client, action)(request)
        print(json.dumps({"RequestId": response.RequestId}))
        return 0
    except TencentCloudSDKException as error:
        print(json.dumps({"Code": error.get_code(), "Message": error.get_message()}))
        return 3


def usersig(sdkappid, key, userid, expire=86400):
    import TLSSigAPIv2
    print(TLSSigAPIv2.TLSSigAPIv2(int(sdkappid), key).gen_sig(userid, int(expire)))
    return 0


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    sys.exit(api(*args) if command == "api" else usersig(*args))
