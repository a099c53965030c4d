#pragma once
// Readable text for the JSON answer of each admin command: aligned tables
// and "key  value" blocks. Missing fields show as "-", so a newer node's
// extra or absent fields never break the shell.
#include <string>
#include <vector>

#include <boost/json/value.hpp>

namespace chat::ctl {

/// The text for `command`'s answer `doc` (ends with a newline).
std::string render(const std::string& command, const std::vector<std::string>& args,
                   const boost::json::value& doc);

} // namespace chat::ctl
