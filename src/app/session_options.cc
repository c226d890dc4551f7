#include "app/session_options.h"

namespace sluice::app {

http1::SessionOptions Http1Options(const config::ListenerConfig& l) {
  http1::SessionOptions o;
  o.max_header_bytes = l.max_header_bytes;
  o.max_headers = l.max_headers;
  o.header_timeout = l.header_timeout;
  o.body_timeout = l.body_timeout;
  o.idle_timeout = l.idle_timeout;
  o.send_timeout = l.send_timeout;
  o.max_requests_per_connection = l.max_requests_per_connection;
  return o;
}

http2::SessionOptions Http2Options(const config::ListenerConfig& l) {
  const auto& h = l.http2;
  http2::SessionOptions o;
  o.max_concurrent_streams = h.max_concurrent_streams;
  o.max_header_list_bytes = h.max_header_list_bytes;
  o.hpack_table_bytes = h.hpack_table_bytes;
  o.initial_stream_window = h.initial_stream_window_bytes;
  // The receive window of the whole connection bounds the request bodies buffered on it
  // (config: initial_stream_window <= max_stream_buffer <= max_connection_buffer).
  o.connection_window = h.max_connection_buffer_bytes;
  o.max_stream_buffer = h.max_stream_buffer_bytes;
  o.max_connection_buffer = h.max_connection_buffer_bytes;
  o.idle_timeout = l.idle_timeout;
  o.header_timeout = l.header_timeout;
  o.body_timeout = l.body_timeout;
  o.send_timeout = l.send_timeout;
  const auto window = h.abuse.window;
  o.abuse.rapid_reset = {h.abuse.max_resets, window};
  o.abuse.settings = {h.abuse.max_settings, window};
  o.abuse.ping = {h.abuse.max_pings, window};
  o.abuse.empty_data = {h.abuse.max_empty_data, window};
  o.abuse.max_continuations = h.abuse.max_continuations;
  return o;
}

}  // namespace sluice::app
