#pragma once
// Input rules of PROTOCOL.md, all counted in bytes.
#include <string_view>

namespace chat::validate {

/// Strict UTF-8: no overlong forms, no surrogates (U+D800–DFFF), ≤ U+10FFFF.
bool utf8(std::string_view s) noexcept;

/// 3–32 characters of [a-z0-9_.-]; no normalisation.
bool username(std::string_view s) noexcept;

/// 8–256 bytes.
bool password(std::string_view s) noexcept;

/// 1–64 bytes of UTF-8 without control characters.
bool display_name(std::string_view s) noexcept;

/// Message text: 1–4096 bytes of UTF-8.
bool message_text(std::string_view s) noexcept;

/// The text of a message with attachments: empty, or a message text.
bool attachment_caption(std::string_view s) noexcept;

/// Conversation title: 1–128 bytes of UTF-8.
bool title(std::string_view s) noexcept;

/// `client_msg_id`: 1–64 bytes.
bool client_msg_id(std::string_view s) noexcept;

} // namespace chat::validate
