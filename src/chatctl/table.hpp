#pragma once
// Text tables with aligned columns (widths counted in UTF-8 code points).
#include <string>
#include <vector>

namespace chat::ctl {

class table {
public:
  explicit table(std::vector<std::string> headers);
  /// Columns whose cells are right-aligned (numbers).
  table& align_right(std::vector<std::size_t> columns);
  void add(std::vector<std::string> row);
  bool empty() const { return rows_.empty(); }
  /// The header, then one line per row; two spaces between columns, no
  /// trailing blanks.
  std::string str() const;

private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
  std::vector<bool> right_;
};

/// Display width of UTF-8 text: its code points.
std::size_t text_width(const std::string& s);

} // namespace chat::ctl
