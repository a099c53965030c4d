#include "security/tls_context.hpp"

#include <boost/asio/ssl/context.hpp>
#include <openssl/ssl.h>

namespace chat::security {
namespace {

namespace ssl = boost::asio::ssl;

std::shared_ptr<ssl::context> base_context(ssl::context::method method) {
  auto ctx = std::make_shared<ssl::context>(method);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2
                   | ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1
                   | ssl::context::single_dh_use);
  SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
  return ctx;
}

bool fail(std::string* error, const std::string& what, const std::string& file,
          const boost::system::error_code& ec) {
  *error = "TLS: cannot use " + what + " " + file + ": " + ec.message();
  return false;
}

/// Loads the certificate chain and its key; both or neither must be named.
bool load_identity(ssl::context& ctx, const tls_files& files, std::string* error) {
  if (files.cert.empty() != files.key.empty()) {
    *error = "TLS: a certificate needs its key and a key its certificate";
    return false;
  }
  if (files.cert.empty())
    return true;
  boost::system::error_code ec;
  ctx.use_certificate_chain_file(files.cert, ec);
  if (ec)
    return fail(error, "certificate", files.cert, ec);
  ctx.use_private_key_file(files.key, ssl::context::pem, ec);
  if (ec)
    return fail(error, "key", files.key, ec);
  if (SSL_CTX_check_private_key(ctx.native_handle()) != 1) {
    *error = "TLS: key " + files.key + " does not match certificate " + files.cert;
    return false;
  }
  return true;
}

bool load_ca(ssl::context& ctx, const std::string& ca, std::string* error) {
  boost::system::error_code ec;
  ctx.load_verify_file(ca, ec);
  if (ec)
    return fail(error, "CA bundle", ca, ec);
  return true;
}

} // namespace

std::shared_ptr<ssl::context> tls_server_context(const tls_files& files, std::string* error) {
  if (files.cert.empty()) {
    *error = "TLS: a server needs a certificate and key";
    return nullptr;
  }
  auto ctx = base_context(ssl::context::tls_server);
  if (!load_identity(*ctx, files, error))
    return nullptr;
  if (!files.ca.empty()) {
    if (!load_ca(*ctx, files.ca, error))
      return nullptr;
    ctx->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
  }
  return ctx;
}

std::shared_ptr<ssl::context> tls_client_context(const tls_files& files, std::string* error) {
  if (files.ca.empty()) {
    *error = "TLS: a client needs a CA bundle to verify the server";
    return nullptr;
  }
  auto ctx = base_context(ssl::context::tls_client);
  if (!load_identity(*ctx, files, error) || !load_ca(*ctx, files.ca, error))
    return nullptr;
  ctx->set_verify_mode(ssl::verify_peer);
  return ctx;
}

} // namespace chat::security
