#pragma once
// Local-only message types: pointers are never serialised, so these must
// never cross nodes (a frame crosses as its bytes instead).
#include <caf/allowed_unsafe_message_type.hpp>

#include "actors/conversation/conversation_client.hpp"
#include "actors/session/connection_sink.hpp"

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(chat::sink_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(chat::shared_frame)
// Holds std::optional, which CAF 0.17 cannot inspect; local only for now.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(chat::page_request)
