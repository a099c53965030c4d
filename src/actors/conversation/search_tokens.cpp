#include "actors/conversation/search_tokens.hpp"

#include <algorithm>

namespace chat::search {
namespace {

bool is_word_byte(unsigned char c) noexcept {
  return c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/// Cuts `w` to max_term_bytes without splitting a UTF-8 sequence.
void cut(std::string& w) {
  if (w.size() <= max_term_bytes)
    return;
  std::size_t n = max_term_bytes;
  while (n > 0 && (static_cast<unsigned char>(w[n]) & 0xC0) == 0x80)
    --n; // w[n] continues a sequence: cut before its lead byte
  w.resize(n);
}

} // namespace

std::vector<std::string> tokenize(std::string_view text, std::size_t max_terms) {
  std::vector<std::string> out;
  std::string word;
  auto flush = [&] {
    if (word.empty())
      return;
    cut(word);
    if (!word.empty() && std::find(out.begin(), out.end(), word) == out.end())
      out.push_back(word);
    word.clear();
  };
  for (char ch : text) {
    if (out.size() >= max_terms)
      break;
    auto c = static_cast<unsigned char>(ch);
    if (!is_word_byte(c)) {
      flush();
      continue;
    }
    word.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : ch);
  }
  if (out.size() < max_terms)
    flush();
  return out;
}

} // namespace chat::search
