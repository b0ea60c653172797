#!/usr/bin/env python3
"""Writes tc3_vectors.json: TC3-HMAC-SHA256 requests signed by the official Tencent Cloud Python SDK
(PyPI tencentcloud-sdk-python-common / -trtc), with the clock fixed and the HTTP transport replaced by a recorder,
so each vector is exactly what TrtcClient would send. The Swift tests recompute each Authorization header with
TC3.authorization and accept it with TC3.verify. The last vector signs x-tc-action too, in the documented form.
"""
import datetime
import hashlib
import json
import os
import time
from unittest import mock

from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.sign import Sign
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.trtc.v20190722 import models, trtc_client

CASES = [
    # endpoint, secretId, secretKey, timestamp, action, request fields
    ("trtc.tencentcloudapi.com", "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE", "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
     1551113065, "RemoveUser", {"SdkAppId": 1400000001, "RoomId": 1234, "UserIds": ["alice", "bob"]}),
    ("127.0.0.1:7800", "AKIDtrtcdTestSecretId0000000000000001", "trtcd-test-secret-key-0001",
     1763700000, "DismissRoomByStrRoomId", {"SdkAppId": 1400000001, "RoomId": "meeting room #1"}),
    ("localhost:7800", "AKIDtrtcdTestSecretId0000000000000002", "another key with spaces",
     1763769599, "RemoveUserByStrRoomId", {"SdkAppId": 4294967295, "RoomId": "r", "UserIds": ["u1"]}),
]


class Recorded(TencentCloudSDKException):
    """Raised by the recorder instead of sending; a subclass of the SDK's exception so the SDK passes it through."""

    def __init__(self, request):
        super().__init__("Recorded", "request recorded, not sent")
        self.request = request


def record(request):
    raise Recorded(request)


def documented_form_vector():
    """A request signing content-type, host and x-tc-action the way Tencent's API documentation shows (header values
    lowercased, names sorted), signed with the SDK's own Sign.sign_tc3."""
    secret_id, secret_key, timestamp = "AKIDtrtcdDocumentedForm000000000003", "documented-form-key", 1700000000
    payload = '{"SdkAppId":1400000001,"RoomId":77}'
    headers = {"content-type": "application/json; charset=utf-8", "host": "127.0.0.1:7800",
               "x-tc-action": "DismissRoom", "x-tc-timestamp": str(timestamp), "x-tc-version": "2019-07-22"}
    signed = ["content-type", "host", "x-tc-action"]
    canonical_headers = "".join("%s:%s\n" % (name, headers[name].lower()) for name in signed)
    canonical_request = "\n".join(["POST", "/", "", canonical_headers, ";".join(signed),
                                   hashlib.sha256(payload.encode()).hexdigest()])
    date = datetime.datetime.fromtimestamp(timestamp, datetime.timezone.utc).strftime("%Y-%m-%d")
    scope = date + "/trtc/tc3_request"
    string_to_sign = "\n".join(["TC3-HMAC-SHA256", str(timestamp), scope,
                                hashlib.sha256(canonical_request.encode()).hexdigest()])
    signature = Sign.sign_tc3(secret_key, date, "trtc", string_to_sign)
    authorization = "TC3-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s" % (
        secret_id, scope, ";".join(signed), signature)
    headers["authorization"] = authorization
    return {"secretId": secret_id, "secretKey": secret_key, "service": "trtc", "method": "POST", "path": "/",
            "query": "", "timestamp": timestamp, "headers": headers,
            "signedHeaders": {name: headers[name] for name in signed}, "payload": payload,
            "authorization": authorization}


def main():
    vectors = []
    for endpoint, secret_id, secret_key, timestamp, action, fields in CASES:
        profile = ClientProfile(httpProfile=HttpProfile(endpoint=endpoint))
        client = trtc_client.TrtcClient(credential.Credential(secret_id, secret_key), "ap-guangzhou", profile)
        client.request.send_request = record
        request = getattr(models, action + "Request")()
        request.from_json_string(json.dumps(fields))
        request.headers = {"X-TC-TraceId": "00000000-0000-4000-8000-%012d" % len(vectors)}  # else a random uuid4
        with mock.patch.object(time, "time", return_value=timestamp + 0.5):
            try:
                getattr(client, action)(request)
                raise SystemExit("the SDK did not send")
            except Recorded as recorded:
                sent = recorded.request
        headers = {name.lower(): value for name, value in sent.header.items()}
        payload = sent.data if isinstance(sent.data, str) else sent.data.decode()
        vectors.append({
            "secretId": secret_id,
            "secretKey": secret_key,
            "service": "trtc",
            "method": sent.method,
            "path": sent.uri,
            "query": "",
            "timestamp": int(headers["x-tc-timestamp"]),
            "headers": headers,
            "signedHeaders": {"content-type": headers["content-type"], "host": headers["host"]},
            "payload": payload,
            "authorization": headers["authorization"],
        })
    vectors.append(documented_form_vector())
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tc3_vectors.json")
    with open(path, "w") as out:
        json.dump({"generator": "PyPI tencentcloud-sdk-python-trtc TrtcClient, time.time patched, transport recorded",
                   "vectors": vectors}, out, indent=2)
        out.write("\n")
    print(f"wrote {len(vectors)} vectors to {path}")


if __name__ == "__main__":
    main()
