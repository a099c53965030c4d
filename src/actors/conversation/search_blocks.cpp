#include "actors/conversation/search_blocks.hpp"

#include "storage/bytes.hpp"
#include "storage/keys.hpp"

namespace chat::search {

using storage::column;

namespace {

std::string prefix_of(std::string_view conv, std::string_view marker, std::string_view term) {
  std::string out;
  out.reserve(conv.size() + marker.size() + term.size() + 2 + storage::key_u64_size);
  out.append(conv).append(1, '/').append(marker).append(term).append(1, '/');
  return out;
}

std::string mark_key(std::string_view conv) { return std::string{conv} + "/!"; }

} // namespace

std::string block_prefix(std::string_view conv, std::string_view term) {
  return prefix_of(conv, {}, term);
}

std::string edited_prefix(std::string_view conv, std::string_view word) {
  return prefix_of(conv, "~", word);
}

std::string author_term(std::string_view user) { return "@" + std::string{user}; }

std::string encode_block(std::uint64_t hi, const std::vector<std::uint64_t>& seqs) {
  if (seqs.size() == 1 && seqs.front() == hi)
    return {}; // the common single-message block: the key says it all
  std::string out;
  out.reserve(seqs.size() * 2);
  std::uint64_t prev = hi;
  for (auto s : seqs) {
    storage::append_varint(out, prev - s);
    prev = s;
  }
  return out;
}

bool decode_block(std::uint64_t hi, std::string_view value, std::vector<std::uint64_t>* out) {
  if (value.empty()) {
    out->push_back(hi);
    return true;
  }
  storage::byte_reader in{value};
  std::uint64_t prev = hi;
  while (!in.empty()) {
    std::uint64_t gap = 0;
    if (!in.varint(&gap) || gap > prev)
      return false;
    prev -= gap;
    out->push_back(prev);
  }
  return true;
}

void put_mark(storage::write_batch& b, std::string_view conv, std::uint64_t upto) {
  b.put(column::search_terms, mark_key(conv), storage::key_u64(upto));
}

errc read_mark(const storage::store& db, std::string_view conv, std::uint64_t* upto) {
  std::string value;
  auto rc = db.get(column::search_terms, mark_key(conv), &value);
  if (rc == errc::not_found) {
    *upto = 0;
    return errc::ok;
  }
  if (rc == errc::ok)
    *upto = storage::parse_key_u64(value);
  return rc;
}

} // namespace chat::search
