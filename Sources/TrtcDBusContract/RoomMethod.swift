/// The methods of `org.trtcd.Trtc1.Room`, as named in dbus/org.trtcd.Trtc1.Room.xml.
public enum RoomMethod: String, CaseIterable, Sendable {
    case enterRoom = "EnterRoom"
    case exitRoom = "ExitRoom"
    case switchRole = "SwitchRole"
    case startLocalVideo = "StartLocalVideo"
    case stopLocalVideo = "StopLocalVideo"
    case muteLocalVideo = "MuteLocalVideo"
    case startLocalAudio = "StartLocalAudio"
    case stopLocalAudio = "StopLocalAudio"
    case muteLocalAudio = "MuteLocalAudio"
    case startRemoteVideo = "StartRemoteVideo"
    case stopRemoteVideo = "StopRemoteVideo"
    case muteRemoteAudio = "MuteRemoteAudio"
}
