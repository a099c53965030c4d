#pragma once
// Private to src/storage: the byte format of a scope's snapshot image
// (database::export_scope / replace_scope). It travels between nodes, so it
// is versioned, checksummed and parsed with every bound checked.
//
//   "CSIM" u8 version(1)
//   { u8 column id, bytes key, bytes value }*     (bytes: varint length + data)
//   u8 0xff  u64 record count  u64 FNV-1a-64 of everything before it
//
// Only data columns (is_data_column) may appear.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "storage/column.hpp"

namespace chat::storage {

/// Builds an image record by record.
class image_writer {
public:
  image_writer();
  void add(column c, std::string_view key, std::string_view value);
  /// The finished image; the writer is spent afterwards.
  std::string finish();

private:
  std::string out_;
  std::uint64_t count_ = 0;
};

/// Checks `image` and calls `record` for each of its records in order. False
/// and `*error` when it is malformed (bad magic, version, column, bounds,
/// count or checksum); `record` may have been called for a prefix of it.
bool parse_image(std::string_view image,
                 const std::function<void(column, std::string_view key, std::string_view value)>& record,
                 std::string* error);

} // namespace chat::storage
