#pragma once
// Reader for a listener's `http2:` block (DESIGN §7): stream and header limits, flow-control
// windows and buffers, and the abuse guards. Only ranges and the window/buffer ordering are
// checked here; whether the listener speaks HTTP/2 at all is the listener reader's concern.
// Thread-safety: single-threaded, like the rest of the loader.
#include "config/node_reader.h"
#include "config/schema/config.h"

namespace sluice::config {

// `out.max_header_list_bytes` must already hold the listener's default (its max_header_bytes).
void ReadHttp2(const Field& field, Http2Config& out);

}  // namespace sluice::config
