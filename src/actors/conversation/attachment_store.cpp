#include "actors/conversation/attachment_store.hpp"

#include "storage/codec.hpp"
#include "storage/keys.hpp"

namespace chat {

using storage::column;

std::string attachment_key(std::string_view conv, std::string_view id) {
  std::string key;
  key.reserve(conv.size() + 1 + id.size() + storage::key_u64_size);
  key.append(conv);
  key += '/';
  key.append(id);
  return key;
}

std::string attachment_chunk_key(std::string_view conv, std::string_view id, std::uint64_t index) {
  auto key = attachment_key(conv, id);
  storage::append_key_u64(key, index);
  return key;
}

void attachment_store::put(storage::write_batch& b, const attachment_record& header,
                           std::string_view bytes) {
  b.put(column::attachments, attachment_key(header.conv, header.id), storage::encode(header));
  std::uint64_t index = 0;
  for (std::size_t at = 0; at < bytes.size(); at += attachment_chunk_bytes, ++index)
    b.put(column::attachment_chunks, attachment_chunk_key(header.conv, header.id, index),
          std::string{bytes.substr(at, attachment_chunk_bytes)});
}

errc attachment_store::header(const std::string& conv, const std::string& id,
                              attachment_record* out) const {
  std::string bytes;
  auto rc = db_.get(column::attachments, attachment_key(conv, id), &bytes);
  if (rc != errc::ok)
    return rc;
  return storage::decode(bytes, *out) ? errc::ok : errc::internal;
}

errc attachment_store::chunk(const std::string& conv, const std::string& id, std::uint64_t index,
                             std::string* out) const {
  return db_.get(column::attachment_chunks, attachment_chunk_key(conv, id, index), out);
}

} // namespace chat
