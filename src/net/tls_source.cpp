#include "net/tls_source.hpp"

namespace chat::net {

tls_source::tls_source(std::string cert, std::string key) {
  files_.cert = std::move(cert);
  files_.key = std::move(key);
}

bool tls_source::load(std::string* error) {
  auto fresh = security::tls_server_context(files_, error);
  if (!fresh)
    return false;
  std::lock_guard lock{mutex_};
  current_ = std::move(fresh);
  return true;
}

std::shared_ptr<boost::asio::ssl::context> tls_source::current() const {
  std::lock_guard lock{mutex_};
  return current_;
}

} // namespace chat::net
