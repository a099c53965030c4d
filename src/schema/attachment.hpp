#pragma once
// Attachments: a file uploaded into a conversation. Stored as one header
// record plus the bytes in fixed-size chunks (actors/conversation/
// attachment_store), so a download streams chunk by chunk.
#include <cstddef>
#include <cstdint>
#include <string>

#include <cereal/cereal.hpp>
#include <cereal/types/string.hpp>

namespace chat {

/// Bytes per stored chunk: a download holds one chunk at a time.
inline constexpr std::uint64_t attachment_chunk_bytes = 256 * 1024;

/// The number of chunks a file of `size` bytes is stored in (0 for empty).
constexpr std::uint64_t attachment_chunk_count(std::uint64_t size) noexcept {
  return (size + attachment_chunk_bytes - 1) / attachment_chunk_bytes;
}

/// An attachment's stored header (the `attachments` column). Field order is
/// the on-disk format: append new fields at the end and bump the version.
struct attachment_record {
  std::string id;
  std::string conv;
  std::string name;         ///< sanitised file name
  std::string content_type; ///< sanitised media type
  std::uint64_t size = 0;
  std::string uploader;
  std::int64_t created_at = 0; ///< ms since epoch

  template <class Archive>
  void serialize(Archive& ar, std::uint32_t /*version*/) {
    ar(id, conv, name, content_type, size, uploader, created_at);
  }
};

/// What clients see of an attachment (and what the actors answer).
struct attachment_view {
  std::string id;
  std::string conv;
  std::string name;
  std::string content_type;
  std::uint64_t size = 0;
  std::string uploader;
  std::int64_t created_at = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, attachment_view& x) {
  return f(x.id, x.conv, x.name, x.content_type, x.size, x.uploader, x.created_at);
}

/// An attachment as a message carries it (stored in the message record and
/// shown with it): enough to render and download it without another ask.
/// Copied from the header when the message is sent; headers never change.
struct attachment_ref {
  std::string id;
  std::string name;
  std::string content_type;
  std::uint64_t size = 0;

  template <class Archive>
  void serialize(Archive& ar) {
    ar(id, name, content_type, size);
  }
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, attachment_ref& x) {
  return f(x.id, x.name, x.content_type, x.size);
}

/// At most this many attachments on one message.
inline constexpr std::size_t max_attachments_per_message = 10;

inline attachment_view view_of_attachment(const attachment_record& r) {
  return {r.id, r.conv, r.name, r.content_type, r.size, r.uploader, r.created_at};
}

} // namespace chat

CEREAL_CLASS_VERSION(chat::attachment_record, 0);
