#pragma once
// The web client's files (web/), embedded into the binary at build time by
// embed.cmake. Independent of src/: chat_net looks files up here to serve them.
#include <string_view>

namespace chat::web {

struct file {
  std::string_view path;         ///< URL path: "/" for index.html, "/static/<file>" for the rest
  std::string_view content_type; ///< e.g. "text/javascript; charset=utf-8"
  std::string_view body;
};

/// The file served at `path` (no query string), or nullptr.
const file* find(std::string_view path);

/// Every embedded file, for listings and tests.
struct file_table {
  const file* begin;
  const file* end;
};
file_table all();

} // namespace chat::web
