// The signaling client lives in its own module so that trtcd links it without the server-API client, whose
// URLSession pulls FoundationNetworking (libcurl, GnuTLS, Kerberos: ~6.6 MiB of resident memory) into the daemon.
// Clients of both keep importing TrtcClient alone.
@_exported import TrtcSignalingClient
