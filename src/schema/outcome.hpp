#pragma once
// The answer to an asynchronous request: a value or an api_error.
#include <utility>

#include "schema/error_code.hpp"

namespace chat {

/// Placeholder value for requests that answer nothing but success.
struct none_t {};

template <class T>
struct outcome {
  api_error error{errc::ok, {}};
  T value{};

  bool ok() const noexcept { return error.code == errc::ok; }

  static outcome success(T v) { return outcome{api_error{errc::ok, {}}, std::move(v)}; }
  static outcome failure(errc code, std::string message) {
    return outcome{api_error{code, std::move(message)}, T{}};
  }
  static outcome failure(api_error e) { return outcome{std::move(e), T{}}; }
};

} // namespace chat
