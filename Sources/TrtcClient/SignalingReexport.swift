// The signaling client lives in its own module so that trtcd links it without the server-API client (it once pulled
// FoundationNetworking, ~6.6 MiB of resident memory, into the daemon; now it is NIO, as the signaling client).
// Clients of both keep importing TrtcClient alone.
@_exported import TrtcSignalingClient
