#include "net/routes/authenticated.hpp"

namespace chat::net {

token_first_handler authenticated(const auth_client& auth, authed_handler h) {
  return {[auth, h = std::move(h)](request_ptr req, responder out) {
    auto token = bearer_token(req->msg[http::field::authorization]);
    if (!token) {
      auto res = error_response({errc::unauthorized, "a bearer access token is required"});
      res.set(http::field::www_authenticate, "Bearer");
      return out.send(std::move(res));
    }
    auth.authenticate(std::string{*token},
                      out.then<principal>([h, req](outcome<principal> who, const responder& out) {
                        if (!who.ok()) {
                          auto res = error_response(who.error);
                          if (who.error.code == errc::unauthorized)
                            res.set(http::field::www_authenticate, "Bearer");
                          return out.send(std::move(res));
                        }
                        if (req->input_error)
                          return out.fail(*req->input_error);
                        h(std::move(who.value), req, out);
                      }));
  }};
}

} // namespace chat::net
