#include "chatctl/table.hpp"

#include <algorithm>

namespace chat::ctl {

std::size_t text_width(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80)
      ++n;
  return n;
}

table::table(std::vector<std::string> headers)
  : headers_(std::move(headers)), right_(headers_.size(), false) {}

table& table::align_right(std::vector<std::size_t> columns) {
  for (auto c : columns)
    if (c < right_.size())
      right_[c] = true;
  return *this;
}

void table::add(std::vector<std::string> row) {
  row.resize(headers_.size());
  rows_.push_back(std::move(row));
}

std::string table::str() const {
  std::vector<std::size_t> width(headers_.size(), 0);
  for (std::size_t c = 0; c < headers_.size(); ++c) {
    width[c] = text_width(headers_[c]);
    for (const auto& r : rows_)
      width[c] = std::max(width[c], text_width(r[c]));
  }
  std::string out;
  auto line = [&](const std::vector<std::string>& cells) {
    std::string l;
    for (std::size_t c = 0; c < cells.size(); ++c) {
      std::size_t pad = width[c] - text_width(cells[c]);
      if (c > 0)
        l += "  ";
      if (right_[c])
        l.append(pad, ' ');
      l += cells[c];
      if (!right_[c])
        l.append(pad, ' ');
    }
    while (!l.empty() && l.back() == ' ')
      l.pop_back();
    out += l;
    out += '\n';
  };
  line(headers_);
  for (const auto& r : rows_)
    line(r);
  return out;
}

} // namespace chat::ctl
