/// The introspection XML of org.trtcd.Trtc1.Room, identical to dbus/org.trtcd.Trtc1.Room.xml (a test keeps them equal).
/// Compiled in so the installed daemon needs no data files.
enum RoomInterfaceXML {
    static let text = """
<!DOCTYPE node PUBLIC "-//freedesktop//DTD D-BUS Object Introspection 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/introspect.dtd">
<!--
  org.trtcd.Trtc1.Room: TRTC room semantics for the Linux desktop (SPEC §3).
  Errors are replies named org.trtcd.Trtc1.Error.<Name> whose message starts with the TRTC code in brackets:
  InvalidArgument, AlreadyInRoom, AuthFailed, ConnectFailed, Refused, Cancelled, DeviceUnavailable,
  NotPermitted, NotInRoom, NotSupported.
-->
<node>
  <interface name="org.trtcd.Trtc1.Room">
    <method name="EnterRoom">
      <arg name="params" type="a{sv}" direction="in"/>
    </method>
    <method name="ExitRoom"/>
    <method name="StartLocalVideo">
      <arg name="options" type="a{sv}" direction="in"/>
    </method>
    <method name="StopLocalVideo"/>
    <method name="StartLocalAudio">
      <arg name="options" type="a{sv}" direction="in"/>
    </method>
    <method name="StopLocalAudio"/>
    <method name="MuteLocalVideo">
      <arg name="mute" type="b" direction="in"/>
    </method>
    <method name="MuteLocalAudio">
      <arg name="mute" type="b" direction="in"/>
    </method>
    <method name="StartRemoteVideo">
      <arg name="userId" type="s" direction="in"/>
      <arg name="streamType" type="s" direction="in"/>
      <arg name="nodeId" type="u" direction="out"/>
    </method>
    <method name="StopRemoteVideo">
      <arg name="userId" type="s" direction="in"/>
      <arg name="streamType" type="s" direction="in"/>
    </method>
    <method name="MuteRemoteAudio">
      <arg name="userId" type="s" direction="in"/>
      <arg name="mute" type="b" direction="in"/>
    </method>
    <method name="SwitchRole">
      <arg name="role" type="s" direction="in"/>
    </method>
    <signal name="EnterRoom">
      <arg name="result" type="x"/>
    </signal>
    <signal name="ExitRoom">
      <arg name="reason" type="i"/>
    </signal>
    <signal name="RemoteUserEnterRoom">
      <arg name="userId" type="s"/>
    </signal>
    <signal name="RemoteUserLeaveRoom">
      <arg name="userId" type="s"/>
      <arg name="reason" type="i"/>
    </signal>
    <signal name="UserVideoAvailable">
      <arg name="userId" type="s"/>
      <arg name="available" type="b"/>
    </signal>
    <signal name="UserAudioAvailable">
      <arg name="userId" type="s"/>
      <arg name="available" type="b"/>
    </signal>
    <signal name="ConnectionLost"/>
    <signal name="TryToReconnect"/>
    <signal name="ConnectionRecovery"/>
    <property name="State" type="s" access="read"/>
    <property name="RoomId" type="s" access="read"/>
    <property name="UserId" type="s" access="read"/>
    <property name="Role" type="s" access="read"/>
    <property name="RemoteUsers" type="as" access="read"/>
    <property name="LocalVideo" type="b" access="read"/>
    <property name="LocalAudio" type="b" access="read"/>
  </interface>
</node>
"""
}
