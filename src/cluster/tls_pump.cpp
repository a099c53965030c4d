#include "cluster/tls_pump.hpp"

#include <array>
#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/write.hpp>

namespace chat::cluster {

namespace asio = boost::asio;
using local_socket = asio::local::stream_protocol::socket;

class tls_pump : public std::enable_shared_from_this<tls_pump> {
public:
  tls_pump(std::unique_ptr<tls_stream> tls, local_socket local)
    : tls_(std::move(tls)), local_(std::move(local)) {}

  void start() {
    network_to_basp();
    basp_to_network();
  }

  void close() {
    if (closed_)
      return;
    closed_ = true;
    boost::system::error_code ec;
    tls_->lowest_layer().shutdown(asio::socket_base::shutdown_both, ec);
    tls_->lowest_layer().close(ec);
    local_.close(ec);
  }

private:
  void network_to_basp() {
    tls_->async_read_some(asio::buffer(down_), [self = shared_from_this()](
                                                 boost::system::error_code ec, std::size_t n) {
      if (ec)
        return self->close();
      asio::async_write(self->local_, asio::buffer(self->down_.data(), n),
                        [self](boost::system::error_code ec, std::size_t) {
                          if (ec)
                            return self->close();
                          self->network_to_basp();
                        });
    });
  }

  void basp_to_network() {
    local_.async_read_some(asio::buffer(up_), [self = shared_from_this()](
                                                boost::system::error_code ec, std::size_t n) {
      if (ec)
        return self->close();
      asio::async_write(*self->tls_, asio::buffer(self->up_.data(), n),
                        [self](boost::system::error_code ec, std::size_t) {
                          if (ec)
                            return self->close();
                          self->basp_to_network();
                        });
    });
  }

  std::unique_ptr<tls_stream> tls_;
  local_socket local_;
  bool closed_ = false;
  std::array<char, 64 * 1024> down_{}; ///< network → BASP
  std::array<char, 64 * 1024> up_{};   ///< BASP → network
};

int start_tls_pump(std::unique_ptr<tls_stream> tls, std::weak_ptr<tls_pump>* handle,
                   std::string* error) {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
    *error = std::string{"cannot create the TLS pump's socketpair: "} + std::strerror(errno);
    return -1;
  }
  boost::system::error_code ec;
  local_socket local{tls->get_executor()};
  local.assign(asio::local::stream_protocol{}, fds[1], ec);
  if (ec) {
    ::close(fds[0]);
    ::close(fds[1]);
    *error = "cannot adopt the TLS pump's socket: " + ec.message();
    return -1;
  }
  ::fcntl(fds[0], F_SETFL, ::fcntl(fds[0], F_GETFL) | O_NONBLOCK);
  auto pump = std::make_shared<tls_pump>(std::move(tls), std::move(local));
  *handle = pump;
  pump->start();
  return fds[0];
}

void close_tls_pump(const std::weak_ptr<tls_pump>& handle) {
  if (auto pump = handle.lock())
    pump->close();
}

} // namespace chat::cluster
