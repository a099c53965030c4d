#pragma once
// WebSocket close codes the server sends or reports (docs/protocol.md).
#include <cstdint>

namespace chat::close_code {

inline constexpr std::uint16_t normal = 1000;
inline constexpr std::uint16_t going_away = 1001;
inline constexpr std::uint16_t protocol_error = 1002;  ///< a frame broke RFC 6455
inline constexpr std::uint16_t no_status = 1005;       ///< reported for a close frame without a code; never sent
inline constexpr std::uint16_t invalid_payload = 1007; ///< text that is not UTF-8
inline constexpr std::uint16_t too_big = 1009;
inline constexpr std::uint16_t try_again_later = 1013; ///< the data's home node is unreachable
inline constexpr std::uint16_t session_ended = 4001;   ///< the auth session was terminated
inline constexpr std::uint16_t too_slow = 4008;        ///< outbound queue over its bound
inline constexpr std::uint16_t flooding = 4029;        ///< kept sending over its budgets, or too many sockets

} // namespace chat::close_code
