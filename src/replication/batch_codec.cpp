#include "replication/batch_codec.hpp"

#include "storage/bytes.hpp"

namespace chat::replication {

namespace {

constexpr std::uint8_t version = 1;
constexpr std::uint8_t kind_put = 0;
constexpr std::uint8_t kind_del = 1;
// kind, column, key length: no op is shorter, which bounds a claimed count.
constexpr std::size_t min_op_size = 3;

bool valid_column(std::uint8_t id) noexcept {
  return id < storage::column_count && storage::is_data_column(static_cast<storage::column>(id));
}

} // namespace

bool replicable(const storage::write_batch& batch) noexcept {
  for (const auto& op : batch.ops())
    if (!storage::is_data_column(op.col))
      return false;
  return true;
}

std::string encode_batch(const storage::write_batch& batch) {
  std::size_t size = 1 + 10;
  for (const auto& op : batch.ops())
    size += 2 + 10 + op.key.size() + (op.op == storage::write_op::kind::put ? 10 + op.value.size() : 0);
  std::string out;
  out.reserve(size);
  out.push_back(static_cast<char>(version));
  storage::append_varint(out, batch.size());
  for (const auto& op : batch.ops()) {
    const bool put = op.op == storage::write_op::kind::put;
    out.push_back(static_cast<char>(put ? kind_put : kind_del));
    out.push_back(static_cast<char>(storage::column_index(op.col)));
    storage::append_bytes(out, op.key);
    if (put)
      storage::append_bytes(out, op.value);
  }
  return out;
}

bool decode_batch(std::string_view bytes, storage::write_batch* out) {
  out->clear();
  storage::byte_reader in(bytes);
  std::uint8_t v = 0;
  std::uint64_t count = 0;
  if (!in.u8(&v) || v != version || !in.varint(&count))
    return false;
  if (count > in.rest().size() / min_op_size)
    return false;
  for (std::uint64_t i = 0; i < count; ++i) {
    std::uint8_t kind = 0, col = 0;
    std::string_view key, value;
    if (!in.u8(&kind) || !in.u8(&col) || !valid_column(col) || !in.bytes(&key))
      return false;
    const auto c = static_cast<storage::column>(col);
    if (kind == kind_put) {
      if (!in.bytes(&value))
        return false;
      out->put(c, std::string(key), std::string(value));
    } else if (kind == kind_del) {
      out->del(c, std::string(key));
    } else {
      return false;
    }
  }
  return in.empty();
}

} // namespace chat::replication
