#pragma once
// TLS contexts for the cluster port and the HTTP port. TLS 1.2 is the
// floor; certificates, keys and CA bundles are PEM files. Building a context
// reads the files at once, so a bad path or a key that does not match its
// certificate is reported at start (or at a reload), not at the first peer.
#include <memory>
#include <string>

namespace boost::asio::ssl {
class context;
}

namespace chat::security {

struct tls_files {
  std::string cert; ///< certificate chain, leaf first
  std::string key;  ///< private key of the leaf
  std::string ca;   ///< CA bundle the other side must chain to; empty: not checked
};

/// Accepts connections presenting `cert`/`key`; with a CA it also demands a
/// client certificate that chains to it (mutual TLS). Null with *error set
/// to one line on failure.
std::shared_ptr<boost::asio::ssl::context> tls_server_context(const tls_files& files,
                                                              std::string* error);

/// Dials out: the server must chain to `ca` (required); `cert`/`key`, when
/// given, are presented as the client certificate. Null with *error set on
/// failure.
std::shared_ptr<boost::asio::ssl::context> tls_client_context(const tls_files& files,
                                                              std::string* error);

} // namespace chat::security
