#include "storage/scope_image.hpp"

#include "storage/bytes.hpp"
#include "storage/keys.hpp"

namespace chat::storage {

namespace {

constexpr std::string_view magic = "CSIM";
constexpr std::uint8_t version = 1;
constexpr std::uint8_t end_marker = 0xff;
constexpr std::size_t trailer_size = 1 + 2 * key_u64_size; // marker, count, checksum

std::uint64_t fnv1a(std::string_view bytes) noexcept {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (char c : bytes) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ull;
  }
  return h;
}

} // namespace

image_writer::image_writer() {
  out_.append(magic);
  out_.push_back(static_cast<char>(version));
}

void image_writer::add(column c, std::string_view key, std::string_view value) {
  out_.push_back(static_cast<char>(column_index(c)));
  append_bytes(out_, key);
  append_bytes(out_, value);
  ++count_;
}

std::string image_writer::finish() {
  out_.push_back(static_cast<char>(end_marker));
  append_key_u64(out_, count_);
  append_key_u64(out_, fnv1a(out_));
  return std::move(out_);
}

bool parse_image(std::string_view image,
                 const std::function<void(column, std::string_view, std::string_view)>& record,
                 std::string* error) {
  auto fail = [&](const char* why) {
    if (error)
      *error = why;
    return false;
  };
  if (image.size() < magic.size() + 1 + trailer_size || image.substr(0, magic.size()) != magic)
    return fail("not a scope image");
  if (static_cast<std::uint8_t>(image[magic.size()]) != version)
    return fail("unsupported scope image version");
  // The checksum first: a damaged image is refused before anything is parsed.
  const std::string_view body = image.substr(0, image.size() - key_u64_size);
  if (fnv1a(body) != parse_key_u64(image.substr(body.size())))
    return fail("scope image checksum mismatch");

  byte_reader in(body.substr(magic.size() + 1));
  std::uint64_t count = 0;
  for (;;) {
    std::uint8_t id = 0;
    if (!in.u8(&id))
      return fail("scope image truncated");
    if (id == end_marker)
      break;
    if (id >= column_count || !is_data_column(static_cast<column>(id)))
      return fail("scope image names an unknown or non-data column");
    std::string_view key, value;
    if (!in.bytes(&key) || !in.bytes(&value))
      return fail("scope image record out of bounds");
    record(static_cast<column>(id), key, value);
    ++count;
  }
  std::uint64_t expected = 0;
  if (!in.u64(&expected) || !in.empty())
    return fail("scope image trailer malformed");
  if (expected != count)
    return fail("scope image record count mismatch");
  return true;
}

} // namespace chat::storage
