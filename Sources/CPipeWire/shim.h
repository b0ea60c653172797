// libpipewire-0.3 for Swift: the library headers plus small prefixed shims for
// what Swift cannot import (method macros, variadic POD builders, macros).
#ifndef TRTC_CPIPEWIRE_SHIM_H
#define TRTC_CPIPEWIRE_SHIM_H

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <pipewire/pipewire.h>
#include <pipewire/extensions/metadata.h>
#include <spa/param/audio/format-utils.h>
#include <spa/param/video/format-utils.h>
#include <spa/param/props.h>
#include <spa/pod/builder.h>
#include <spa/utils/dict.h>
#include <spa/utils/result.h>
#include <spa/buffer/meta.h>

// MARK: properties, dictionaries, hooks

/// Empty property set (pw_properties_new is variadic).
static inline struct pw_properties *trtc_pw_properties_new_empty(void) {
    return pw_properties_new(NULL, NULL);
}

static inline const char *trtc_spa_dict_lookup(const struct spa_dict *dict, const char *key) {
    return dict == NULL ? NULL : spa_dict_lookup(dict, key);
}

static inline uint32_t trtc_spa_dict_count(const struct spa_dict *dict) {
    return dict == NULL ? 0 : dict->n_items;
}

static inline const char *trtc_spa_dict_key(const struct spa_dict *dict, uint32_t index) {
    return dict->items[index].key;
}

static inline const char *trtc_spa_dict_value(const struct spa_dict *dict, uint32_t index) {
    return dict->items[index].value;
}

static inline void trtc_spa_hook_remove(struct spa_hook *hook) {
    // spa_hook_remove asserts on an unlinked hook; tolerate hooks never added.
    if (hook->link.next != NULL && hook->link.prev != NULL) {
        spa_hook_remove(hook);
    }
    memset(hook, 0, sizeof(*hook));
}

/// The calling thread's errno (a macro in C).
static inline int trtc_errno(void) {
    return errno;
}

static inline const char *trtc_spa_strerror(int res) {
    return spa_strerror(res);
}

// MARK: event tables (version fields are macros)

static inline struct pw_core_events trtc_pw_core_events(
    void (*done)(void *data, uint32_t id, int seq),
    void (*error)(void *data, uint32_t id, int seq, int res, const char *message))
{
    struct pw_core_events events;
    memset(&events, 0, sizeof(events));
    events.version = PW_VERSION_CORE_EVENTS;
    events.done = done;
    events.error = error;
    return events;
}

static inline struct pw_registry_events trtc_pw_registry_events(
    void (*global)(void *data, uint32_t id, uint32_t permissions, const char *type,
                   uint32_t version, const struct spa_dict *props),
    void (*global_remove)(void *data, uint32_t id))
{
    struct pw_registry_events events;
    memset(&events, 0, sizeof(events));
    events.version = PW_VERSION_REGISTRY_EVENTS;
    events.global = global;
    events.global_remove = global_remove;
    return events;
}

static inline struct pw_metadata_events trtc_pw_metadata_events(
    int (*property)(void *data, uint32_t subject, const char *key, const char *type, const char *value))
{
    struct pw_metadata_events events;
    memset(&events, 0, sizeof(events));
    events.version = PW_VERSION_METADATA_EVENTS;
    events.property = property;
    return events;
}

static inline struct pw_stream_events trtc_pw_stream_events(
    void (*state_changed)(void *data, enum pw_stream_state old, enum pw_stream_state state, const char *error),
    void (*param_changed)(void *data, uint32_t id, const struct spa_pod *param),
    void (*process)(void *data))
{
    struct pw_stream_events events;
    memset(&events, 0, sizeof(events));
    events.version = PW_VERSION_STREAM_EVENTS;
    events.state_changed = state_changed;
    events.param_changed = param_changed;
    events.process = process;
    return events;
}

// MARK: core, registry, metadata methods (interface method macros)

static inline int trtc_pw_core_add_listener(struct pw_core *core, struct spa_hook *hook,
                                            const struct pw_core_events *events, void *data) {
    return pw_core_add_listener(core, hook, events, data);
}

/// Starts a round trip; the core's `done` event reports the returned sequence number.
static inline int trtc_pw_core_sync(struct pw_core *core) {
    return pw_core_sync(core, PW_ID_CORE, 0);
}

static inline struct pw_registry *trtc_pw_core_get_registry(struct pw_core *core) {
    return pw_core_get_registry(core, PW_VERSION_REGISTRY, 0);
}

static inline int trtc_pw_registry_add_listener(struct pw_registry *registry, struct spa_hook *hook,
                                                const struct pw_registry_events *events, void *data) {
    return pw_registry_add_listener(registry, hook, events, data);
}

static inline struct pw_metadata *trtc_pw_registry_bind_metadata(struct pw_registry *registry, uint32_t id) {
    return (struct pw_metadata *)pw_registry_bind(registry, id, PW_TYPE_INTERFACE_Metadata,
                                                  PW_VERSION_METADATA, 0);
}

static inline int trtc_pw_metadata_add_listener(struct pw_metadata *metadata, struct spa_hook *hook,
                                                const struct pw_metadata_events *events, void *data) {
    return pw_metadata_add_listener(metadata, hook, events, data);
}

static inline struct pw_port_events trtc_pw_port_events(
    void (*param)(void *data, int seq, uint32_t id, uint32_t index, uint32_t next, const struct spa_pod *param))
{
    struct pw_port_events events;
    memset(&events, 0, sizeof(events));
    events.version = PW_VERSION_PORT_EVENTS;
    events.param = param;
    return events;
}

static inline struct pw_port *trtc_pw_registry_bind_port(struct pw_registry *registry, uint32_t id) {
    return (struct pw_port *)pw_registry_bind(registry, id, PW_TYPE_INTERFACE_Port, PW_VERSION_PORT, 0);
}

static inline int trtc_pw_port_add_listener(struct pw_port *port, struct spa_hook *hook,
                                            const struct pw_port_events *events, void *data) {
    return pw_port_add_listener(port, hook, events, data);
}

/// Asks for every param of kind `id` (e.g. SPA_PARAM_EnumFormat); answers arrive as `param` events.
static inline int trtc_pw_port_enum_params(struct pw_port *port, uint32_t id) {
    return pw_port_enum_params(port, 0, id, 0, UINT32_MAX, NULL);
}

static inline const char *trtc_pw_type_interface_port(void) { return PW_TYPE_INTERFACE_Port; }
static inline const char *trtc_pw_type_interface_node(void) { return PW_TYPE_INTERFACE_Node; }
static inline const char *trtc_pw_type_interface_metadata(void) { return PW_TYPE_INTERFACE_Metadata; }
static inline const char *trtc_pw_type_interface_link(void) { return PW_TYPE_INTERFACE_Link; }

// MARK: loop

/// An event source whose callback runs on the loop thread after trtc_pw_loop_signal_event.
static inline struct spa_source *trtc_pw_loop_add_event(struct pw_loop *loop,
                                                        void (*callback)(void *data, uint64_t count),
                                                        void *data) {
    return pw_loop_add_event(loop, callback, data);
}

static inline int trtc_pw_loop_signal_event(struct pw_loop *loop, struct spa_source *source) {
    return pw_loop_signal_event(loop, source);
}

static inline void trtc_pw_loop_destroy_source(struct pw_loop *loop, struct spa_source *source) {
    pw_loop_destroy_source(loop, source);
}

/// Waits for a signal or until `timeout_ns` has passed; 0 when signalled, -ETIMEDOUT otherwise.
static inline int trtc_pw_thread_loop_wait_ns(struct pw_thread_loop *loop, int64_t timeout_ns) {
    struct timespec abstime;
    int res = pw_thread_loop_get_time(loop, &abstime, timeout_ns);
    if (res < 0) return res;
    return pw_thread_loop_timed_wait_full(loop, &abstime);
}

// MARK: streams

/// Flags for a capture stream: let the session manager link it, map buffers into memory,
/// and never move it to another device when its target goes away.
static inline enum pw_stream_flags trtc_pw_capture_stream_flags(void) {
    return (enum pw_stream_flags)(PW_STREAM_FLAG_AUTOCONNECT | PW_STREAM_FLAG_MAP_BUFFERS |
                                  PW_STREAM_FLAG_DONT_RECONNECT);
}

/// Flags for a source stream (a node others link to): it drives the graph's timing itself (frames come when
/// they are decoded, not on a clock) and its buffers are mapped for filling.
static inline enum pw_stream_flags trtc_pw_source_stream_flags(void) {
    return (enum pw_stream_flags)(PW_STREAM_FLAG_DRIVER | PW_STREAM_FLAG_MAP_BUFFERS);
}

/// Flags for a playback stream: the session manager links it to the default sink (which drives it), buffers
/// mapped for filling.
static inline enum pw_stream_flags trtc_pw_playback_stream_flags(void) {
    return (enum pw_stream_flags)(PW_STREAM_FLAG_AUTOCONNECT | PW_STREAM_FLAG_MAP_BUFFERS);
}

/// Fails the stream with a message (pw_stream_set_error takes a printf format).
static inline int trtc_pw_stream_set_error(struct pw_stream *stream, int res, const char *message) {
    return pw_stream_set_error(stream, res, "%s", message);
}

// MARK: POD building

/// A builder writing into caller-owned memory.
static inline struct spa_pod_builder trtc_spa_pod_builder(void *data, uint32_t size) {
    struct spa_pod_builder builder = SPA_POD_BUILDER_INIT(data, size);
    return builder;
}

/// EnumFormat for raw video: `formats[0]` is preferred. Size and frame rate are either fixed
/// to the requested values or ranges defaulting to them. In link negotiation the camera's own
/// default wins inside a range, so callers offer the fixed variants first.
static inline const struct spa_pod *trtc_pw_build_video_raw_enum_format(
    struct spa_pod_builder *b, const uint32_t *formats, uint32_t n_formats,
    uint32_t width, uint32_t height, uint32_t max_width, uint32_t max_height, int fixed_size,
    uint32_t fps, uint32_t max_fps, int fixed_fps)
{
    struct spa_pod_frame object, choice;
    struct spa_rectangle size_default = SPA_RECTANGLE(width, height);
    struct spa_rectangle size_min = SPA_RECTANGLE(1, 1);
    struct spa_rectangle size_max = SPA_RECTANGLE(max_width, max_height);
    struct spa_fraction rate_default = SPA_FRACTION(fps, 1);
    struct spa_fraction rate_min = SPA_FRACTION(0, 1);
    struct spa_fraction rate_max = SPA_FRACTION(max_fps, 1);

    if (n_formats == 0) return NULL;
    spa_pod_builder_push_object(b, &object, SPA_TYPE_OBJECT_Format, SPA_PARAM_EnumFormat);
    spa_pod_builder_add(b,
        SPA_FORMAT_mediaType, SPA_POD_Id(SPA_MEDIA_TYPE_video),
        SPA_FORMAT_mediaSubtype, SPA_POD_Id(SPA_MEDIA_SUBTYPE_raw), 0);
    spa_pod_builder_prop(b, SPA_FORMAT_VIDEO_format, 0);
    if (n_formats == 1) {
        spa_pod_builder_id(b, formats[0]);
    } else {
        spa_pod_builder_push_choice(b, &choice, SPA_CHOICE_Enum, 0);
        spa_pod_builder_id(b, formats[0]);
        for (uint32_t i = 0; i < n_formats; i++) spa_pod_builder_id(b, formats[i]);
        spa_pod_builder_pop(b, &choice);
    }
    if (fixed_size) {
        spa_pod_builder_add(b, SPA_FORMAT_VIDEO_size, SPA_POD_Rectangle(&size_default), 0);
    } else {
        spa_pod_builder_add(b,
            SPA_FORMAT_VIDEO_size, SPA_POD_CHOICE_RANGE_Rectangle(&size_default, &size_min, &size_max), 0);
    }
    if (fixed_fps) {
        spa_pod_builder_add(b, SPA_FORMAT_VIDEO_framerate, SPA_POD_Fraction(&rate_default), 0);
    } else {
        spa_pod_builder_add(b,
            SPA_FORMAT_VIDEO_framerate, SPA_POD_CHOICE_RANGE_Fraction(&rate_default, &rate_min, &rate_max), 0);
    }
    return (const struct spa_pod *)spa_pod_builder_pop(b, &object);
}

/// EnumFormat for raw audio with a fixed sample format, rate and channel count
/// (mono gets position MONO, stereo FL FR).
static inline const struct spa_pod *trtc_pw_build_audio_raw_enum_format(
    struct spa_pod_builder *b, uint32_t format, uint32_t rate, uint32_t channels)
{
    struct spa_audio_info_raw info;
    memset(&info, 0, sizeof(info));
    info.format = (enum spa_audio_format)format;
    info.rate = rate;
    info.channels = channels;
    if (channels == 1) {
        info.position[0] = SPA_AUDIO_CHANNEL_MONO;
    } else if (channels == 2) {
        info.position[0] = SPA_AUDIO_CHANNEL_FL;
        info.position[1] = SPA_AUDIO_CHANNEL_FR;
    }
    return (const struct spa_pod *)spa_format_audio_raw_build(b, SPA_PARAM_EnumFormat, &info);
}

/// Asks for a header meta (pts, seq) on every buffer.
static inline const struct spa_pod *trtc_pw_build_meta_header_param(struct spa_pod_builder *b) {
    return (const struct spa_pod *)spa_pod_builder_add_object(b,
        SPA_TYPE_OBJECT_ParamMeta, SPA_PARAM_Meta,
        SPA_PARAM_META_type, SPA_POD_Id(SPA_META_Header),
        SPA_PARAM_META_size, SPA_POD_Int(sizeof(struct spa_meta_header)));
}

/// Asks for `preferred` buffers (within min…max) between the device and the stream: more
/// buffers let a briefly busy consumer fall behind without starving the producer.
static inline const struct spa_pod *trtc_pw_build_buffers_param(struct spa_pod_builder *b, int32_t preferred,
                                                                 int32_t minimum, int32_t maximum) {
    return (const struct spa_pod *)spa_pod_builder_add_object(b,
        SPA_TYPE_OBJECT_ParamBuffers, SPA_PARAM_Buffers,
        SPA_PARAM_BUFFERS_buffers, SPA_POD_CHOICE_RANGE_Int(preferred, minimum, maximum));
}

/// Buffers a source allocates for raw video: one block of `size` bytes with `stride`, in memfd or plain memory.
static inline const struct spa_pod *trtc_pw_build_video_buffers_param(struct spa_pod_builder *b, int32_t preferred,
                                                                       int32_t minimum, int32_t maximum,
                                                                       int32_t size, int32_t stride) {
    return (const struct spa_pod *)spa_pod_builder_add_object(b,
        SPA_TYPE_OBJECT_ParamBuffers, SPA_PARAM_Buffers,
        SPA_PARAM_BUFFERS_buffers, SPA_POD_CHOICE_RANGE_Int(preferred, minimum, maximum),
        SPA_PARAM_BUFFERS_blocks, SPA_POD_Int(1),
        SPA_PARAM_BUFFERS_size, SPA_POD_Int(size),
        SPA_PARAM_BUFFERS_stride, SPA_POD_Int(stride),
        SPA_PARAM_BUFFERS_dataType, SPA_POD_CHOICE_FLAGS_Int((1 << SPA_DATA_MemPtr) | (1 << SPA_DATA_MemFd)));
}

// MARK: format parsing

/// Media type and subtype of a Format param; negative errno on bad input.
static inline int trtc_pw_parse_media_type(const struct spa_pod *param, uint32_t *media_type,
                                           uint32_t *media_subtype) {
    if (param == NULL) return -EINVAL;
    return spa_format_parse(param, media_type, media_subtype);
}

static inline int trtc_pw_parse_video_raw(const struct spa_pod *param, struct spa_video_info_raw *info) {
    if (param == NULL) return -EINVAL;
    memset(info, 0, sizeof(*info));
    return spa_format_video_raw_parse(param, info);
}

static inline int trtc_pw_parse_audio_raw(const struct spa_pod *param, struct spa_audio_info_raw *info) {
    if (param == NULL) return -EINVAL;
    memset(info, 0, sizeof(*info));
    return spa_format_audio_raw_parse(param, info);
}

// MARK: buffers

/// The buffer's header meta, or NULL when the producer did not attach one.
static inline struct spa_meta_header *trtc_spa_buffer_meta_header(struct spa_buffer *buffer) {
    return (struct spa_meta_header *)spa_buffer_find_meta_data(buffer, SPA_META_Header,
                                                               sizeof(struct spa_meta_header));
}

static inline int64_t trtc_monotonic_ns(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000000000LL + now.tv_nsec;
}

#endif
