#pragma once
// Reading request bodies (PROTOCOL.md "Conventions"): the body must be one
// JSON object; a required member that is missing or of the wrong type is a
// 400 naming it; unknown members are ignored. Each function returns false
// and fills `error` (bad_request) on failure.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "schema/error_code.hpp"

namespace chat::net {

/// Parses `body` as a JSON object: invalid JSON or UTF-8, empty, or any
/// other JSON value is refused.
bool parse_object(std::string_view body, boost::json::object& out, api_error& error);

/// A required string member. `where` prefixes the name in the message (for
/// nested objects, e.g. "password.").
bool required_string(const boost::json::object& o, std::string_view key, std::string& out,
                     api_error& error, std::string_view where = {});

/// An optional string member: absent or null leaves `out` empty.
bool optional_string(const boost::json::object& o, std::string_view key,
                     std::optional<std::string>& out, api_error& error,
                     std::string_view where = {});

/// An optional object member: absent or null sets `out` to null.
bool optional_object(const boost::json::object& o, std::string_view key,
                     const boost::json::object*& out, api_error& error,
                     std::string_view where = {});

/// An optional array of strings: absent or null leaves `out` empty; any
/// other type, or a non-string element, is refused.
bool optional_string_array(const boost::json::object& o, std::string_view key,
                           std::vector<std::string>& out, api_error& error,
                           std::string_view where = {});

} // namespace chat::net
