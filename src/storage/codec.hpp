#pragma once
// Record <-> bytes. cereal's portable binary archive: compact, fixed
// endianness on disk, and versioned through CEREAL_CLASS_VERSION.
#include <istream>
#include <ostream>
#include <streambuf>
#include <string>
#include <string_view>

#include <cereal/archives/portable_binary.hpp>

namespace chat::storage {

namespace detail {

// Streams straight into / out of the caller's buffers: no stringstream copy
// on the hot path of every message append and read.
class string_sink : public std::streambuf {
public:
  explicit string_sink(std::string& out) : out_(out) {}

protected:
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    out_.append(s, static_cast<std::size_t>(n));
    return n;
  }
  int_type overflow(int_type ch) override {
    if (!traits_type::eq_int_type(ch, traits_type::eof()))
      out_.push_back(traits_type::to_char_type(ch));
    return traits_type::not_eof(ch);
  }

private:
  std::string& out_;
};

class view_source : public std::streambuf {
public:
  explicit view_source(std::string_view bytes) {
    // The get area is only read, never written through.
    char* begin = const_cast<char*>(bytes.data());
    setg(begin, begin, begin + bytes.size());
  }
  bool exhausted() const { return gptr() == egptr(); }
};

} // namespace detail

/// The stored bytes of `record`.
template <class T>
std::string encode(const T& record) {
  std::string out;
  detail::string_sink sink(out);
  std::ostream os(&sink);
  {
    cereal::PortableBinaryOutputArchive ar(os);
    ar(record);
  }
  return out;
}

/// Fills `out` from stored bytes. False when `bytes` is truncated, has
/// trailing garbage or is otherwise corrupt; never throws. A corrupt length
/// field can make cereal attempt one large allocation before failing.
template <class T>
bool decode(std::string_view bytes, T& out) {
  try {
    detail::view_source source(bytes);
    std::istream is(&source);
    cereal::PortableBinaryInputArchive ar(is);
    T value{};
    ar(value);
    if (!source.exhausted())
      return false;
    out = std::move(value);
    return true;
  } catch (...) {
    return false;
  }
}

} // namespace chat::storage
