#include "actors/errors.hpp"

#include <caf/atom.hpp>
#include <caf/message.hpp>

namespace chat {
namespace {
constexpr auto chat_category = caf::atom("chat");
} // namespace

caf::error make_chat_error(errc code, std::string message) {
  return caf::error{static_cast<std::uint8_t>(code), chat_category,
                    caf::make_message(std::move(message))};
}

api_error to_api_error(const caf::error& err) {
  if (err.category() == chat_category) {
    std::string message;
    const auto& ctx = err.context();
    if (ctx.size() == 1 && ctx.match_element<std::string>(0))
      message = ctx.get_as<std::string>(0);
    return {static_cast<errc>(err.code()), std::move(message)};
  }
  return {errc::unavailable, "the node that owns this data is not reachable; try again"};
}

} // namespace chat
