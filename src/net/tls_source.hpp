#pragma once
// The HTTP port's TLS certificate, replaceable while serving: each accepted
// connection takes the context current at that moment, so a reload
// (SIGHUP) changes what new connections see and leaves open ones alone.
#include <memory>
#include <mutex>
#include <string>

#include "security/tls_context.hpp"

namespace chat::net {

class tls_source {
public:
  /// `cert`/`key`: PEM files; nothing is read before load().
  tls_source(std::string cert, std::string key);

  /// Reads the files again. On success new connections use them; on
  /// failure the previous context stays and *error says why.
  bool load(std::string* error);

  /// The context for a connection accepted now; null before a successful load().
  std::shared_ptr<boost::asio::ssl::context> current() const;

private:
  security::tls_files files_;
  mutable std::mutex mutex_;
  std::shared_ptr<boost::asio::ssl::context> current_;
};

} // namespace chat::net
