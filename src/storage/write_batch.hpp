#pragma once
// A set of writes applied atomically by database::commit. A plain value type
// so that actors can build batches without seeing RocksDB.
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "storage/column.hpp"

namespace chat::storage {

/// One write of a batch.
struct write_op {
  enum class kind : std::uint8_t { put, del };
  kind op = kind::put;
  column col = column::meta;
  std::string key;
  std::string value; ///< empty for `del`
};

/// Writes that commit all together or not at all, in insertion order.
class write_batch {
public:
  /// Sets `key` in column `c` to `value`.
  void put(column c, std::string key, std::string value) {
    ops_.push_back(write_op{write_op::kind::put, c, std::move(key), std::move(value)});
  }

  /// Removes `key` from column `c` (no error when absent).
  void del(column c, std::string key) {
    ops_.push_back(write_op{write_op::kind::del, c, std::move(key), {}});
  }

  /// True when the batch holds no write.
  bool empty() const noexcept { return ops_.empty(); }

  /// Number of writes.
  std::size_t size() const noexcept { return ops_.size(); }

  /// The writes, in insertion order.
  const std::vector<write_op>& ops() const noexcept { return ops_; }

  /// Drops all writes; keeps the capacity for reuse.
  void clear() noexcept { ops_.clear(); }

private:
  std::vector<write_op> ops_;
};

} // namespace chat::storage
