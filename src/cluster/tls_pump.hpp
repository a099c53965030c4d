#pragma once
// How CAF's BASP runs over TLS. CAF 0.17 reads and writes plain file
// descriptors (its own caf_openssl module cannot adopt a connection the gate
// already authenticated), so BASP gets one end of a socketpair and the
// pump copies bytes between the other end and the TLS stream, on the gate's
// thread. When either side closes or fails, both are closed, so BASP sees
// the peer go away exactly as with a plain TCP socket.
#include <memory>
#include <string>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>

namespace chat::cluster {

using tls_stream = boost::asio::ssl::stream<boost::asio::ip::tcp::socket>;

class tls_pump;

/// Starts pumping an established TLS stream; returns BASP's descriptor
/// (non-blocking) and the pump, or -1 with *error set. The pump keeps itself
/// alive while it runs; the handle only lets the gate close it at shutdown.
int start_tls_pump(std::unique_ptr<tls_stream> tls, std::weak_ptr<tls_pump>* handle,
                   std::string* error);

/// Closes both ends of a running pump (no-op when it already ended).
void close_tls_pump(const std::weak_ptr<tls_pump>& handle);

} // namespace chat::cluster
