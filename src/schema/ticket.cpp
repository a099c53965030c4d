#include "schema/ticket.hpp"

#include "schema/ids.hpp"

namespace chat {
namespace {
constexpr std::size_t min_ticket = 16;
constexpr std::size_t max_ticket = 128;
} // namespace

std::string make_ticket(std::string_view session_id, std::string_view random_suffix) {
  std::string out{"t"};
  out += session_id.substr(2, 4); // the shard digits of `s_XXXX…`
  out += random_suffix;
  return out;
}

std::optional<std::uint32_t> shard_of_ticket(std::string_view ticket,
                                             std::uint32_t shard_count) noexcept {
  if (ticket.size() < min_ticket || ticket.size() > max_ticket || ticket[0] != 't')
    return std::nullopt;
  return shard_of_hex(ticket.substr(1, 4), shard_count);
}

} // namespace chat
