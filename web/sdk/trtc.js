// trtc.js: a browser client for trtc-server, shaped like the TRTC Web SDK v5 (docs/browsers.md).
// Plain ES module, no build step, no dependencies. Served by trtc-server at /sdk/trtc.js.
//
//   import TRTC from '/sdk/trtc.js';
//   const trtc = TRTC.create();
//   trtc.on(TRTC.EVENT.REMOTE_VIDEO_AVAILABLE, ({ userId, streamType }) => trtc.startRemoteVideo({ userId, streamType, view: 'remote' }));
//   await trtc.enterRoom({ sdkAppId, userId, userSig, roomId: 8888 });
//   await trtc.startLocalVideo({ view: 'local' });
//   await trtc.startLocalAudio();

/** Event names (`TRTC.EVENT`), as the TRTC Web SDK v5 spells them. */
const EVENT = Object.freeze({
  REMOTE_USER_ENTER: 'remote-user-enter',
  REMOTE_USER_EXIT: 'remote-user-exit',
  REMOTE_VIDEO_AVAILABLE: 'remote-video-available',
  REMOTE_VIDEO_UNAVAILABLE: 'remote-video-unavailable',
  REMOTE_AUDIO_AVAILABLE: 'remote-audio-available',
  REMOTE_AUDIO_UNAVAILABLE: 'remote-audio-unavailable',
  KICKED_OUT: 'kicked-out',
  CONNECTION_STATE_CHANGED: 'connection-state-changed',
  ERROR: 'error',
  AUTOPLAY_FAILED: 'autoplay-failed',
  NETWORK_QUALITY: 'network-quality',
  STATISTICS: 'statistics',
});

/** Error codes (`TRTC.ERROR_CODE`), the TRTC Web SDK v5 numbers. */
const ERROR_CODE = Object.freeze({
  INVALID_PARAMETER: 5000,
  INVALID_OPERATION: 5100,
  ENV_NOT_SUPPORTED: 5200,
  DEVICE_ERROR: 5300,
  SERVER_ERROR: 5400,
  OPERATION_FAILED: 5500,
  OPERATION_ABORT: 5998,
  UNKNOWN_ERROR: 5999,
});

/** Constants (`TRTC.TYPE`). */
const TYPE = Object.freeze({
  SCENE_RTC: 'rtc',
  SCENE_LIVE: 'live',
  ROLE_ANCHOR: 'anchor',
  ROLE_AUDIENCE: 'audience',
  STREAM_TYPE_MAIN: 'main',
  STREAM_TYPE_SUB: 'sub',
});

/** The `exit` reasons of trtc-server's signaling (docs/protocol.md §1) as KICKED_OUT reasons. */
const KICK_REASONS = { 1: 'banned', 2: 'room_disband', 3: 'kick' };

/**
 * The error every method rejects with.
 * @property {number} code one of `TRTC.ERROR_CODE`
 * @property {number} [extraCode] the detail code (e.g. 5012: roomId out of range)
 * @property {string} functionName the method that failed
 */
class RtcError extends Error {
  /** @param {{code: number, extraCode?: number, functionName: string, message: string}} fields */
  constructor({ code, extraCode, functionName, message }) {
    super(message);
    this.name = 'RtcError';
    this.code = code;
    this.extraCode = extraCode;
    this.functionName = functionName;
  }
}

const SIGNAL_PATH = '/trtc/v1/signal';
const REQUEST_TIMEOUT_MS = 10000;
/** Reconnection after a lost signaling connection, as trtcd: first after 100 ms, then backing off to every 2 s. */
const RECONNECT_FIRST_MS = 100;
const RECONNECT_MAX_MS = 2000;
/** Offers at most every 150 ms: they count toward the server's 10 room changes a second (bursts of 20), with room
 * left for publishing changes, however busy the room. */
const OFFER_SPACING_MS = 150;

/** One signaling WebSocket: requests with `seq` answered by `entered`/`ack`/`answer`/`error`, and events. */
class Signal {
  /** @param {string} url @param {(message: any) => void} onEvent @param {(event: CloseEvent) => void} onClose */
  constructor(url, onEvent, onClose) {
    this.url = url;
    this.onEvent = onEvent;
    this.onClose = onClose;
    this.seq = 0;
    /** @type {Map<number, {resolve: Function, reject: Function, timer: number}>} */
    this.pending = new Map();
    this.socket = null;
  }

  /** Opens the socket (the server's `hello` is not waited for: it may come only with `entered`). */
  open() {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(this.url);
      this.socket = socket;
      let greeted = false;
      socket.onopen = () => { greeted = true; resolve(); };
      socket.onmessage = (event) => {
        let message;
        try { message = JSON.parse(event.data); } catch { return; }
        if (message.type === 'hello') return;
        const waiter = message.seq !== undefined && ['entered', 'ack', 'answer', 'error'].includes(message.type)
          ? this.pending.get(message.seq) : undefined;
        if (waiter) {
          this.pending.delete(message.seq);
          clearTimeout(waiter.timer);
          if (message.type === 'error') waiter.reject(message); else waiter.resolve(message);
          return;
        }
        this.onEvent(message);
      };
      socket.onerror = () => { if (!greeted) reject(new Error(`cannot reach ${this.url}`)); };
      socket.onclose = (event) => {
        if (!greeted) reject(new Error(`${this.url} closed (${event.code})`));
        for (const waiter of this.pending.values()) { clearTimeout(waiter.timer); waiter.reject({ kind: 'closed', message: 'connection closed' }); }
        this.pending.clear();
        this.onClose(event);
      };
    });
  }

  /** Sends a request and waits for its answer (rejects with the server's `error` message). */
  request(fields) {
    const seq = ++this.seq;
    return new Promise((resolve, reject) => {
      if (!this.socket || this.socket.readyState !== WebSocket.OPEN) { reject({ kind: 'closed', message: 'connection closed' }); return; }
      const timer = setTimeout(() => { this.pending.delete(seq); reject({ kind: 'timeout', message: `no answer to ${fields.type}` }); }, REQUEST_TIMEOUT_MS);
      this.pending.set(seq, { resolve, reject, timer });
      this.send({ ...fields, seq });
    });
  }

  send(message) {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }

  close() {
    if (this.socket && this.socket.readyState <= WebSocket.OPEN) this.socket.close(1000);
  }
}

/** @param {string|HTMLElement|null|undefined} view an element or its id */
function resolveView(view) {
  if (!view) return null;
  if (typeof view === 'string') return document.getElementById(view);
  return view;
}

/** Keeps the one codec trtc-server forwards (VP8 / Opus), so offers stay small and match what others send. */
function preferCodec(transceiver, kind) {
  const wanted = kind === 'video' ? 'video/vp8' : 'audio/opus';
  const capabilities = RTCRtpReceiver.getCapabilities(kind);
  if (!capabilities || !transceiver.setCodecPreferences) return;
  const codecs = capabilities.codecs.filter((codec) => codec.mimeType.toLowerCase() === wanted);
  if (codecs.length) transceiver.setCodecPreferences(codecs);
}

/**
 * The offer as sent to the server: what it reads (docs/protocol.md §3), the ICE credentials and fingerprint once at
 * session level. The local description keeps everything; this only keeps signaling messages small (about 110 bytes
 * a section instead of 1 KiB, so a 16 KiB message holds a hundred sections).
 * @param {string} sdp
 * @returns {string}
 */
function compactOffer(sdp) {
  const lines = sdp.split(/\r?\n/).filter((line) => line.length > 0);
  const shared = ['a=ice-ufrag:', 'a=ice-pwd:', 'a=fingerprint:', 'a=setup:'];
  const keep = [/^m=/, /^a=mid:/, /^a=(sendrecv|sendonly|recvonly|inactive)$/, /^a=rtcp-mux$/, /^a=rtcp-rsize$/,
    /^a=rtpmap:\d+ (VP8\/90000|opus\/48000\/2)$/i, /^a=ssrc-group:/, /^a=ssrc:\d+ cname:/];
  const session = [];
  const hoisted = new Map();
  const media = [];
  let inMedia = false;
  for (const line of lines) {
    if (line.startsWith('m=')) inMedia = true;
    const sharedPrefix = shared.find((prefix) => line.startsWith(prefix));
    if (sharedPrefix) { if (!hoisted.has(sharedPrefix)) hoisted.set(sharedPrefix, line); continue; }
    if (!inMedia) { if (/^(v|o|s|t)=/.test(line) || line.startsWith('a=group:')) session.push(line); continue; }
    if (keep.some((pattern) => pattern.test(line))) media.push(line);
  }
  return [...session, ...hoisted.values(), ...media].join('\r\n') + '\r\n';
}

/**
 * A client of one room. Create with `TRTC.create()`.
 */
class TRTC {
  static EVENT = EVENT;
  static ERROR_CODE = ERROR_CODE;
  static TYPE = TYPE;
  static RtcError = RtcError;

  /**
   * @param {{signalingUrl?: string}} [options] `signalingUrl`: the server's signaling WebSocket (default: the server
   *   this module was loaded from).
   * @returns {TRTC}
   */
  static create(options = {}) { return new TRTC(options); }

  /** @param {{signalingUrl?: string}} [options] */
  constructor(options = {}) {
    const base = new URL(SIGNAL_PATH, import.meta.url);
    base.protocol = base.protocol === 'https:' ? 'wss:' : 'ws:';
    this._signalingUrl = options.signalingUrl || base.toString();
    /** @type {Map<string, Map<Function, any>>} event → handler → its `this` */
    this._handlers = new Map();
    this._signal = null;
    this._pc = null;
    this._room = null;
    this._connectionState = 'DISCONNECTED';
    /** userId → {video, audio, videoSsrc, audioSsrc} */
    this._remote = new Map();
    /** `${userId}/${kind}` → {userId, kind, transceiver, view, element} for every stream received or wanted. */
    this._subscriptions = new Map();
    this._local = { video: null, audio: null, videoMuted: false, audioMuted: false, videoView: null, videoElement: null };
    this._senders = { video: null, audio: null };
    this._negotiation = Promise.resolve();
    this._negotiationQueued = false;
    this._lastOfferAt = 0;
    this._timers = [];
    this._destroyed = false;
  }

  // MARK: events

  /** @param {string} event one of `TRTC.EVENT` @param {Function} handler @param {any} [context] */
  on(event, handler, context) {
    if (typeof handler !== 'function') throw new RtcError({ code: ERROR_CODE.INVALID_PARAMETER, functionName: 'on', message: 'handler must be a function' });
    if (!this._handlers.has(event)) this._handlers.set(event, new Map());
    this._handlers.get(event).set(handler, context);
  }

  /** @param {string} event an event, or '*' for all @param {Function} [handler] all of the event's when omitted */
  off(event, handler) {
    if (event === '*') { this._handlers.clear(); return; }
    if (!handler) { this._handlers.delete(event); return; }
    this._handlers.get(event)?.delete(handler);
  }

  _emit(event, payload) {
    for (const [handler, context] of [...(this._handlers.get(event) || [])]) {
      try { handler.call(context, payload); } catch (error) { setTimeout(() => { throw error; }); }
    }
  }

  _setConnectionState(state) {
    if (state === this._connectionState) return;
    const prevState = this._connectionState;
    this._connectionState = state;
    this._emit(EVENT.CONNECTION_STATE_CHANGED, { prevState, state });
  }

  // MARK: room

  /**
   * Enters a room.
   * @param {{sdkAppId: number, userId: string, userSig: string, roomId?: number, strRoomId?: string,
   *   scene?: 'rtc'|'live', role?: 'anchor'|'audience', privateMapKey?: string, autoReceiveAudio?: boolean,
   *   autoReceiveVideo?: boolean}} options
   * @returns {Promise<void>}
   */
  async enterRoom(options) {
    const functionName = 'enterRoom';
    const invalid = (extraCode, message) => new RtcError({ code: ERROR_CODE.INVALID_PARAMETER, extraCode, functionName, message });
    if (this._destroyed) throw new RtcError({ code: ERROR_CODE.INVALID_OPERATION, extraCode: 5101, functionName, message: 'destroyed' });
    if (this._room) throw new RtcError({ code: ERROR_CODE.INVALID_OPERATION, extraCode: 5104, functionName, message: 'already in a room; exitRoom first' });
    if (!options || typeof options !== 'object') throw invalid(5001, 'enterRoom needs an options object');
    const { sdkAppId, userId, userSig, roomId, strRoomId, privateMapKey } = options;
    const scene = options.scene || TYPE.SCENE_RTC;
    const role = options.role || TYPE.ROLE_ANCHOR;
    if (!Number.isInteger(sdkAppId) || sdkAppId <= 0) throw invalid(5010, 'sdkAppId must be a positive integer');
    if (typeof userId !== 'string' || !userId) throw invalid(5013, 'userId must be a non-empty string');
    if (typeof userSig !== 'string' || !userSig) throw invalid(5014, 'userSig must be a non-empty string');
    if (roomId === undefined && strRoomId === undefined) throw invalid(5015, 'give roomId or strRoomId');
    if (roomId !== undefined && (!Number.isInteger(roomId) || roomId < 1 || roomId > 4294967294)) {
      throw invalid(5012, 'roomId must be an integer in [1, 4294967294]');
    }
    if (strRoomId !== undefined && (typeof strRoomId !== 'string' || !strRoomId)) throw invalid(5011, 'strRoomId must be a non-empty string');
    if (![TYPE.SCENE_RTC, TYPE.SCENE_LIVE].includes(scene)) throw invalid(5016, "scene must be 'rtc' or 'live'");
    if (![TYPE.ROLE_ANCHOR, TYPE.ROLE_AUDIENCE].includes(role)) throw invalid(5017, "role must be 'anchor' or 'audience'");
    if (typeof RTCPeerConnection === 'undefined' || typeof WebSocket === 'undefined') {
      throw new RtcError({ code: ERROR_CODE.ENV_NOT_SUPPORTED, functionName, message: 'this browser has no WebRTC' });
    }
    this._autoReceiveAudio = options.autoReceiveAudio !== false;
    this._autoReceiveVideo = options.autoReceiveVideo === true;
    this._userId = userId;
    this._role = scene === TYPE.SCENE_RTC ? TYPE.ROLE_ANCHOR : role;

    const entry = { type: 'enter', sdkAppId, userId, userSig, scene };
    if (roomId !== undefined) entry.roomId = roomId; else entry.strRoomId = strRoomId;
    if (privateMapKey) entry.privateMapKey = privateMapKey;

    this._setConnectionState('CONNECTING');
    let entered;
    try {
      entered = await this._connect(entry);
    } catch (error) {
      this._teardown({ stopLocal: false });
      this._setConnectionState('DISCONNECTED');
      throw this._serverError(error, functionName);
    }
    this._room = { roomId, strRoomId, entry };
    this._setConnectionState('CONNECTED');
    this._startTimers(entered);
    for (const member of entered.members || []) {
      this._remote.set(member.userId, { video: false, audio: false });
      this._emit(EVENT.REMOTE_USER_ENTER, { userId: member.userId });
      if (member.video) this._onAvailability(member.userId, 'video', true, member.videoSsrc);
      if (member.audio) this._onAvailability(member.userId, 'audio', true, member.audioSsrc);
    }
    this._renegotiate();
  }

  /**
   * Opens a signaling connection and a new peer connection (sending sections with the current local tracks) and
   * enters with `entry` (the fields of `enter` but the SDP and the publishing flags). Resolves with `entered`.
   * Rejects with an `Error` (unreachable), the server's `error` message, or an `RtcError`.
   */
  async _connect(entry) {
    const signal = new Signal(this._signalingUrl, (message) => this._onSignal(message), () => this._onSignalClosed(signal));
    this._signal = signal;
    // exitRoom (or a kick) while this waits closes `this._signal`: what this made afterwards is closed here.
    const abandoned = () => this._signal !== signal;
    await signal.open();
    if (abandoned()) { signal.close(); throw new Error('left while entering'); }
    const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' });
    this._pc = pc;
    for (const kind of ['audio', 'video']) {
      const transceiver = pc.addTransceiver(kind, { direction: 'sendonly' });
      preferCodec(transceiver, kind);
      this._senders[kind] = transceiver.sender;
    }
    await this._syncSenders();
    pc.onconnectionstatechange = () => {
      if (pc.connectionState === 'failed' && this._pc === pc) this._emit(EVENT.ERROR, new RtcError({ code: ERROR_CODE.OPERATION_FAILED, functionName: 'media', message: 'the media connection failed' }));
    };
    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    if (abandoned()) { pc.close(); signal.close(); throw new Error('left while entering'); }
    const entered = await signal.request({
      ...entry, role: this._role, sdp: compactOffer(pc.localDescription.sdp),
      video: this._publishes('video'), audio: this._publishes('audio'),
    });
    if (abandoned()) { pc.close(); signal.close(); throw new Error('left while entering'); }
    await pc.setRemoteDescription({ type: 'answer', sdp: entered.sdp });
    return entered;
  }

  _startTimers(entered) {
    const signal = this._signal;
    this._timers.push(setInterval(() => signal.send({ type: 'heartbeat' }), Math.max(500, entered.heartbeatMs || 2000)));
    this._timers.push(setInterval(() => this._reportStatistics(), 2000));
  }

  /**
   * The signaling connection was lost while in the room (or the server is going away): like trtcd, stay in the room
   * and enter again with a new peer connection (new ICE credentials, DTLS and SSRCs: the server has no ICE restart)
   * carrying the same local tracks; the wanted remote streams are asked for again. CONNECTED → DISCONNECTED →
   * RECONNECTING → CONNECTED; the server kept the member for its departure timeout, so the others see no leave.
   */
  _connectionLost() {
    this._closeSession();
    for (const subscription of this._subscriptions.values()) subscription.transceiver = null;
    this._setConnectionState('DISCONNECTED');
    this._setConnectionState('RECONNECTING');
    this._reconnect(RECONNECT_FIRST_MS);
  }

  _reconnect(delay) {
    const room = this._room;
    const timer = setTimeout(async () => {
      this._timers = this._timers.filter((each) => each !== timer);
      if (this._room !== room) return;
      let entered;
      try {
        entered = await this._connect(room.entry);
      } catch (error) {
        if (this._room !== room) return;
        this._closeSession();
        // A refusal carries the server's code: reported, and tried again (as trtcd does) until exitRoom.
        if (error && error.code !== undefined) this._emit(EVENT.ERROR, this._serverError(error, 'reconnect'));
        this._reconnect(Math.min(RECONNECT_MAX_MS, delay * 2));
        return;
      }
      if (this._room !== room) return;
      this._startTimers(entered);
      this._recovered(entered.members || []);
      this._setConnectionState('CONNECTED');
      this._renegotiate();
    }, delay);
    this._timers.push(timer);
  }

  /** Re-entered: reports what changed in the room while away (as trtcd's ConnectionRecovery does). */
  _recovered(members) {
    const present = new Map(members.map((member) => [member.userId, member]));
    for (const userId of [...this._remote.keys()]) {
      if (present.has(userId)) continue;
      this._forgetRemote(userId);
      this._emit(EVENT.REMOTE_USER_EXIT, { userId });
    }
    for (const member of members) {
      if (!this._remote.has(member.userId)) {
        this._remote.set(member.userId, { video: false, audio: false });
        this._emit(EVENT.REMOTE_USER_ENTER, { userId: member.userId });
      }
      this._onAvailability(member.userId, 'video', !!member.video, member.videoSsrc);
      this._onAvailability(member.userId, 'audio', !!member.audio, member.audioSsrc);
    }
  }

  /** Leaves the room; the camera and microphone are stopped. */
  async exitRoom() {
    if (!this._room) throw new RtcError({ code: ERROR_CODE.INVALID_OPERATION, extraCode: 5101, functionName: 'exitRoom', message: 'not in a room' });
    const signal = this._signal;
    // While reconnecting there is no connection to say it on: the server drops the member after its timeout.
    if (signal) { try { await signal.request({ type: 'leave' }); } catch { /* leaving anyway */ } }
    for (const userId of [...this._remote.keys()]) this._forgetRemote(userId);
    this._teardown({ stopLocal: true });
  }

  /** @param {'anchor'|'audience'} role */
  async switchRole(role) {
    const functionName = 'switchRole';
    if (![TYPE.ROLE_ANCHOR, TYPE.ROLE_AUDIENCE].includes(role)) throw new RtcError({ code: ERROR_CODE.INVALID_PARAMETER, extraCode: 5017, functionName, message: "role must be 'anchor' or 'audience'" });
    if (!this._room) { this._role = role; return; }
    if (!this._signal) throw new RtcError({ code: ERROR_CODE.INVALID_OPERATION, functionName, message: 'reconnecting to the server' });
    try { await this._signal.request({ type: 'switchRole', role }); } catch (error) { throw this._serverError(error, functionName); }
    this._role = role;
    await this._syncSenders();
    if (role === TYPE.ROLE_ANCHOR) await this._publish(functionName);
  }

  /** Leaves the room if in one and releases everything; the instance cannot be used again. */
  async destroy() {
    if (this._room) { try { await this.exitRoom(); } catch { /* gone anyway */ } }
    this._stopLocal('video');
    this._stopLocal('audio');
    this._handlers.clear();
    this._destroyed = true;
  }

  // MARK: local media

  /**
   * Opens the camera (or takes `option.videoTrack`, a custom capture), shows it in `view` and publishes it (once in
   * the room).
   * @param {{view?: string|HTMLElement, option?: {cameraId?: string, videoTrack?: MediaStreamTrack, profile?: string|{width: number, height: number, frameRate: number, bitrate?: number}}}} [options]
   */
  async startLocalVideo(options = {}) {
    const functionName = 'startLocalVideo';
    if (this._local.video) throw new RtcError({ code: ERROR_CODE.INVALID_OPERATION, extraCode: 5104, functionName, message: 'the camera is already on; use updateLocalVideo' });
    const option = options.option || {};
    const profile = typeof option.profile === 'object' ? option.profile : ({ '120p': [160, 120, 15], '180p': [320, 180, 15], '240p': [320, 240, 15], '360p': [640, 360, 15], '480p': [640, 480, 15], '720p': [1280, 720, 15], '1080p': [1920, 1080, 15] }[option.profile || '480p'] || [640, 480, 15]);
    const [width, height, frameRate] = Array.isArray(profile) ? profile : [profile.width, profile.height, profile.frameRate];
    const constraints = { width: { ideal: width }, height: { ideal: height }, frameRate: { ideal: frameRate } };
    if (option.cameraId) constraints.deviceId = { exact: option.cameraId };
    let track = option.videoTrack;
    if (track !== undefined && !(track instanceof MediaStreamTrack && track.kind === 'video')) {
      throw new RtcError({ code: ERROR_CODE.INVALID_PARAMETER, functionName, message: 'option.videoTrack must be a video MediaStreamTrack' });
    }
    if (!track) {
      let stream;
      try { stream = await navigator.mediaDevices.getUserMedia({ video: constraints }); } catch (error) {
        throw new RtcError({ code: ERROR_CODE.DEVICE_ERROR, functionName, message: `cannot open the camera: ${error.name}: ${error.message}` });
      }
      track = stream.getVideoTracks()[0];
    }
    this._local.video = track;
    this._local.videoMuted = false;
    this._local.videoView = resolveView(options.view);
    if (this._local.videoView) {
      const element = document.createElement('video');
      Object.assign(element, { autoplay: true, muted: true, playsInline: true });
      element.style.width = '100%';
      element.srcObject = new MediaStream([track]);
      this._local.videoView.appendChild(element);
      this._local.videoElement = element;
    }
    await this._syncSenders();
    if (this._room) await this._publish(functionName);
  }

  /** @param {{mute?: boolean, view?: string|HTMLElement}} options */
  async updateLocalVideo(options = {}) {
    if (!this._local.video) throw new RtcError({ code: ERROR_CODE.INVALID_OPERATION, functionName: 'updateLocalVideo', message: 'the camera is not on' });
    if (typeof options.mute === 'boolean') {
      this._local.videoMuted = options.mute;
      await this._syncSenders();
      if (this._room) await this._publish('updateLocalVideo');
    }
  }

  async stopLocalVideo() {
    this._stopLocal('video');
    await this._syncSenders();
    if (this._room) await this._publish('stopLocalVideo');
  }

  /** @param {{option?: {microphoneId?: string, audioTrack?: MediaStreamTrack}}} [options] `audioTrack`: a custom capture */
  async startLocalAudio(options = {}) {
    const functionName = 'startLocalAudio';
    if (this._local.audio) throw new RtcError({ code: ERROR_CODE.INVALID_OPERATION, extraCode: 5104, functionName, message: 'the microphone is already on; use updateLocalAudio' });
    const option = options.option || {};
    const constraints = option.microphoneId ? { deviceId: { exact: option.microphoneId } } : true;
    let track = option.audioTrack;
    if (track !== undefined && !(track instanceof MediaStreamTrack && track.kind === 'audio')) {
      throw new RtcError({ code: ERROR_CODE.INVALID_PARAMETER, functionName, message: 'option.audioTrack must be an audio MediaStreamTrack' });
    }
    if (!track) {
      let stream;
      try { stream = await navigator.mediaDevices.getUserMedia({ audio: constraints }); } catch (error) {
        throw new RtcError({ code: ERROR_CODE.DEVICE_ERROR, functionName, message: `cannot open the microphone: ${error.name}: ${error.message}` });
      }
      track = stream.getAudioTracks()[0];
    }
    this._local.audio = track;
    this._local.audioMuted = false;
    await this._syncSenders();
    if (this._room) await this._publish(functionName);
  }

  /** @param {{mute?: boolean}} options */
  async updateLocalAudio(options = {}) {
    if (!this._local.audio) throw new RtcError({ code: ERROR_CODE.INVALID_OPERATION, functionName: 'updateLocalAudio', message: 'the microphone is not on' });
    if (typeof options.mute === 'boolean') {
      this._local.audioMuted = options.mute;
      await this._syncSenders();
      if (this._room) await this._publish('updateLocalAudio');
    }
  }

  async stopLocalAudio() {
    this._stopLocal('audio');
    await this._syncSenders();
    if (this._room) await this._publish('stopLocalAudio');
  }

  /**
   * The camera's track, or with `userId` a remote user's video track (null when there is none).
   * @param {{userId?: string, streamType?: 'main'|'sub'}} [config]
   * @returns {MediaStreamTrack|null}
   */
  getVideoTrack(config = {}) {
    if (!config.userId) return this._local.video;
    return this._subscriptions.get(`${config.userId}/video`)?.transceiver?.receiver.track || null;
  }

  /**
   * The microphone's track, or with `userId` a remote user's audio track (null when there is none).
   * @param {{userId?: string}|string} [config]
   * @returns {MediaStreamTrack|null}
   */
  getAudioTrack(config = {}) {
    const userId = typeof config === 'string' ? config : config.userId;
    if (!userId) return this._local.audio;
    return this._subscriptions.get(`${userId}/audio`)?.transceiver?.receiver.track || null;
  }

  /** Each sender carries its track exactly while that kind is published (an audience member sends nothing). */
  async _syncSenders() {
    for (const kind of ['video', 'audio']) {
      const sender = this._senders[kind];
      const track = this._publishes(kind) ? this._local[kind] : null;
      if (sender && sender.track !== track) await sender.replaceTrack(track);
    }
  }

  _publishes(kind) {
    return this._role === TYPE.ROLE_ANCHOR && !!this._local[kind] && !this._local[`${kind}Muted`];
  }

  async _publish(functionName) {
    // While reconnecting, the next `enter` carries the publishing state.
    if (this._role !== TYPE.ROLE_ANCHOR || !this._signal) return;
    try {
      await this._signal.request({ type: 'publish', video: this._publishes('video'), audio: this._publishes('audio') });
    } catch (error) {
      throw this._serverError(error, functionName);
    }
  }

  _stopLocal(kind) {
    const track = this._local[kind];
    if (track) track.stop();
    this._local[kind] = null;
    if (kind === 'video' && this._local.videoElement) {
      this._local.videoElement.remove();
      this._local.videoElement = null;
    }
  }

  // MARK: remote media

  /**
   * Shows a remote user's video in `view`.
   * @param {{userId: string, streamType?: 'main'|'sub', view?: string|HTMLElement}} options
   */
  async startRemoteVideo(options = {}) {
    const functionName = 'startRemoteVideo';
    const { userId } = options;
    const streamType = options.streamType || TYPE.STREAM_TYPE_MAIN;
    if (typeof userId !== 'string' || !userId) throw new RtcError({ code: ERROR_CODE.INVALID_PARAMETER, extraCode: 5013, functionName, message: 'userId must be a non-empty string' });
    if (!this._room) throw new RtcError({ code: ERROR_CODE.INVALID_OPERATION, extraCode: 5101, functionName, message: 'not in a room' });
    if (!this._remote.has(userId)) throw new RtcError({ code: ERROR_CODE.INVALID_OPERATION, extraCode: 5102, functionName, message: `no remote user ${userId}` });
    if (streamType !== TYPE.STREAM_TYPE_MAIN) throw new RtcError({ code: ERROR_CODE.INVALID_OPERATION, extraCode: 5103, functionName, message: `${userId} has no ${streamType} stream (only main is carried)` });
    const subscription = this._subscribe(userId, 'video');
    subscription.view = resolveView(options.view);
    this._attach(subscription);
    await this._renegotiate();
  }

  /** @param {{userId: string, streamType?: 'main'|'sub'}} options */
  async stopRemoteVideo(options = {}) {
    const subscription = this._subscriptions.get(`${options.userId}/video`);
    if (!subscription) return;
    this._unsubscribe(subscription);
    await this._renegotiate();
  }

  /** @param {string} userId @param {boolean} mute */
  async muteRemoteAudio(userId, mute) {
    const subscription = this._subscriptions.get(`${userId}/audio`);
    if (subscription) {
      subscription.muted = mute;
      if (subscription.element) subscription.element.muted = mute;
    } else if (!mute && this._remote.get(userId)?.audio) {
      this._subscribe(userId, 'audio');
      await this._renegotiate();
    }
  }

  _subscribe(userId, kind) {
    const key = `${userId}/${kind}`;
    let subscription = this._subscriptions.get(key);
    if (!subscription) {
      subscription = { userId, kind, transceiver: null, view: null, element: null, muted: false };
      this._subscriptions.set(key, subscription);
    }
    return subscription;
  }

  _unsubscribe(subscription) {
    this._subscriptions.delete(`${subscription.userId}/${subscription.kind}`);
    if (subscription.element) subscription.element.remove();
    subscription.element = null;
    if (subscription.transceiver) subscription.transceiver.__trtcFree = true;
  }

  /** Puts the subscription's track in a media element (video: in its view; audio: plays without one). */
  _attach(subscription) {
    const track = subscription.transceiver?.receiver.track;
    if (!track) return;
    if (subscription.kind === 'video' && !subscription.view) return;
    if (!subscription.element) {
      const element = document.createElement(subscription.kind);
      Object.assign(element, { autoplay: true, playsInline: true });
      if (subscription.kind === 'video') {
        element.muted = true;
        element.style.width = '100%';
        element.dataset.userId = subscription.userId;
        subscription.view.appendChild(element);
      }
      element.muted = subscription.kind === 'video' || subscription.muted;
      subscription.element = element;
    }
    if (subscription.element.srcObject?.getTracks()[0] !== track) {
      subscription.element.srcObject = new MediaStream([track]);
      const playing = subscription.element.play();
      if (playing) playing.catch((error) => { if (error.name === 'NotAllowedError') this._emit(EVENT.AUTOPLAY_FAILED, { userId: subscription.userId }); });
    }
  }

  /** Offers again so that every wanted stream has a receiving section (serialized: one negotiation at a time). */
  _renegotiate() {
    // Requests that come while one waits to start are served by it: a burst of room events is one offer (offers
    // count toward the server's 10 room changes a second).
    if (this._negotiationQueued) return this._negotiation;
    this._negotiationQueued = true;
    this._negotiation = this._negotiation.then(async () => {
      const wait = this._lastOfferAt + OFFER_SPACING_MS - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      this._negotiationQueued = false;
      this._lastOfferAt = performance.now();
      return this._negotiate();
    }).catch((error) => {
      if (this._room) this._emit(EVENT.ERROR, new RtcError({ code: ERROR_CODE.OPERATION_FAILED, functionName: 'negotiate', message: String(error.message || error) }));
    });
    return this._negotiation;
  }

  async _negotiate() {
    const pc = this._pc;
    const signal = this._signal;
    if (!pc || !signal || !this._room) return;
    const streams = [];
    for (const subscription of this._subscriptions.values()) {
      const available = this._remote.get(subscription.userId)?.[subscription.kind];
      if (!available) continue;
      if (!subscription.transceiver) {
        const free = pc.getTransceivers().find((t) => t.__trtcFree && t.__trtcKind === subscription.kind);
        if (free) {
          free.__trtcFree = false;
          subscription.transceiver = free;
        } else {
          const transceiver = pc.addTransceiver(subscription.kind, { direction: 'recvonly' });
          preferCodec(transceiver, subscription.kind);
          transceiver.__trtcKind = subscription.kind;
          subscription.transceiver = transceiver;
        }
      }
    }
    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    for (const subscription of this._subscriptions.values()) {
      const available = this._remote.get(subscription.userId)?.[subscription.kind];
      if (available && subscription.transceiver?.mid) {
        streams.push({ mid: subscription.transceiver.mid, userId: subscription.userId, kind: subscription.kind });
      }
    }
    let answer;
    try {
      answer = await signal.request({ type: 'offer', sdp: compactOffer(pc.localDescription.sdp), streams });
    } catch (error) {
      // The connection was lost meanwhile: the re-entry negotiates anew.
      if (this._pc !== pc) return;
      if (pc.signalingState === 'have-local-offer') await pc.setLocalDescription({ type: 'rollback' });
      throw new Error(error.message || String(error));
    }
    if (this._pc !== pc) return;
    await pc.setRemoteDescription({ type: 'answer', sdp: answer.sdp });
    for (const subscription of this._subscriptions.values()) this._attach(subscription);
  }

  // MARK: signaling events

  _onSignal(message) {
    switch (message.type) {
      case 'userEnter':
        if (!this._remote.has(message.userId)) {
          this._remote.set(message.userId, { video: false, audio: false });
          this._emit(EVENT.REMOTE_USER_ENTER, { userId: message.userId });
        }
        break;
      case 'userLeave':
        if (this._remote.has(message.userId)) {
          this._forgetRemote(message.userId);
          this._emit(EVENT.REMOTE_USER_EXIT, { userId: message.userId });
          this._renegotiate();
        }
        break;
      case 'userVideo':
        this._onAvailability(message.userId, 'video', message.available, message.ssrc);
        this._renegotiate();
        break;
      case 'userAudio':
        this._onAvailability(message.userId, 'audio', message.available, message.ssrc);
        this._renegotiate();
        break;
      case 'exit': {
        const reason = KICK_REASONS[message.reason] || 'kick';
        for (const userId of [...this._remote.keys()]) this._forgetRemote(userId);
        this._teardown({ stopLocal: true });
        this._emit(EVENT.KICKED_OUT, { reason, message: message.message || '' });
        break;
      }
      case 'shutdown':
        // The server is going away and closes the connection; the client may enter again (docs/protocol.md §1).
        if (this._room) this._connectionLost();
        break;
      default:
        break;
    }
  }

  _onAvailability(userId, kind, available, ssrc) {
    const remote = this._remote.get(userId);
    if (!remote) return;
    const was = remote[kind];
    remote[kind] = available;
    if (available && kind === 'audio' && this._autoReceiveAudio) this._subscribe(userId, 'audio');
    if (available && kind === 'video' && this._autoReceiveVideo) this._subscribe(userId, 'video');
    if (was === available) return;
    const streamType = TYPE.STREAM_TYPE_MAIN;
    if (kind === 'video') this._emit(available ? EVENT.REMOTE_VIDEO_AVAILABLE : EVENT.REMOTE_VIDEO_UNAVAILABLE, { userId, streamType });
    else this._emit(available ? EVENT.REMOTE_AUDIO_AVAILABLE : EVENT.REMOTE_AUDIO_UNAVAILABLE, { userId });
  }

  _forgetRemote(userId) {
    for (const kind of ['video', 'audio']) {
      const subscription = this._subscriptions.get(`${userId}/${kind}`);
      if (subscription) this._unsubscribe(subscription);
    }
    this._remote.delete(userId);
  }

  _onSignalClosed(signal) {
    // While reconnecting, a failed attempt is retried by `_reconnect` itself.
    if (this._signal !== signal || !this._room || this._connectionState !== 'CONNECTED') return;
    this._connectionLost();
  }

  /** Timers, peer connection and socket closed (the room and the local tracks are kept). */
  _closeSession() {
    for (const timer of this._timers) { clearInterval(timer); clearTimeout(timer); }
    this._timers = [];
    if (this._pc) { this._pc.close(); this._pc = null; }
    this._senders = { video: null, audio: null };
    if (this._signal) { const signal = this._signal; this._signal = null; signal.close(); }
  }

  /** Out of the room: timers, peer connection and socket closed; the camera and microphone stopped if `stopLocal`. */
  _teardown({ stopLocal }) {
    this._closeSession();
    this._room = null;
    if (stopLocal) { this._stopLocal('video'); this._stopLocal('audio'); }
    this._setConnectionState('DISCONNECTED');
  }

  _serverError(error, functionName) {
    if (error instanceof RtcError) return error;
    if (error && error.kind === 'invalid-argument') return new RtcError({ code: ERROR_CODE.INVALID_PARAMETER, extraCode: error.code, functionName, message: error.message });
    if (error && error.code !== undefined) return new RtcError({ code: ERROR_CODE.SERVER_ERROR, extraCode: error.code, functionName, message: error.message });
    return new RtcError({ code: ERROR_CODE.OPERATION_FAILED, functionName, message: String((error && error.message) || error) });
  }

  // MARK: statistics

  async _reportStatistics() {
    const pc = this._pc;
    if (!pc) return;
    let report;
    try { report = await pc.getStats(); } catch { return; }
    let rtt = 0;
    let upLoss = 0;
    let downLost = 0;
    let downReceived = 0;
    const localStatistics = { audio: { bitrate: 0 }, video: [] };
    const remoteStatistics = [];
    report.forEach((stat) => {
      if (stat.type === 'candidate-pair' && stat.nominated && stat.currentRoundTripTime !== undefined) rtt = Math.round(stat.currentRoundTripTime * 1000);
      if (stat.type === 'remote-inbound-rtp' && stat.fractionLost !== undefined) upLoss = Math.max(upLoss, Math.round(stat.fractionLost * 100));
      if (stat.type === 'inbound-rtp') {
        downLost += stat.packetsLost || 0;
        downReceived += stat.packetsReceived || 0;
        if (stat.kind === 'video') remoteStatistics.push({ ssrc: stat.ssrc, video: { width: stat.frameWidth || 0, height: stat.frameHeight || 0, frameRate: stat.framesPerSecond || 0, framesDecoded: stat.framesDecoded || 0 } });
      }
      if (stat.type === 'outbound-rtp' && stat.kind === 'video') localStatistics.video.push({ width: stat.frameWidth || 0, height: stat.frameHeight || 0, frameRate: stat.framesPerSecond || 0 });
    });
    const downLoss = downReceived + downLost > 0 ? Math.round((100 * downLost) / (downReceived + downLost)) : 0;
    this._emit(EVENT.STATISTICS, { rtt, upLoss, downLoss, localStatistics, remoteStatistics });
    const quality = (loss) => (loss < 1 ? 1 : loss < 3 ? 2 : loss < 8 ? 3 : loss < 15 ? 4 : loss < 30 ? 5 : 6);
    this._emit(EVENT.NETWORK_QUALITY, { uplinkNetworkQuality: quality(upLoss), downlinkNetworkQuality: quality(downLoss), uplinkRTT: rtt, downlinkRTT: rtt, uplinkLoss: upLoss, downlinkLoss: downLoss });
  }
}

export { TRTC, EVENT, ERROR_CODE, TYPE, RtcError };
export default TRTC;
