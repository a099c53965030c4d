#pragma once
// Where a handler sends its one answer. Handlers may finish at once or after
// an actor answers: `then` wraps a continuation so that the actor thread only
// posts the outcome to the connection's strand, and the continuation (JSON
// rendering included) runs there.
#include <cstdint>
#include <functional>
#include <string>
#include <memory>
#include <utility>

#include "net/response.hpp"
#include "schema/outcome.hpp"

namespace chat::net {

/// Fetches the next piece of a streamed body and hands it to `got` (from
/// any thread, once). A failure, or an empty piece, ends the connection:
/// the status line is already out, so the client sees a short body.
using next_piece = std::function<void(std::function<void(outcome<std::string>)> got)>;

/// The connection side of a request (implemented by http_session).
class exchange {
public:
  virtual ~exchange() = default;
  /// Runs `fn` on the connection's strand; callable from any thread.
  virtual void post(std::function<void()> fn) = 0;
  /// Writes the answer to the current request; on the strand, once.
  virtual void send(response res) = 0;
  /// Writes `head` (body ignored) with `Content-Length: length`, then the
  /// pieces `next` produces, each written before the next is asked for,
  /// until `length` bytes are out; on the strand, instead of send.
  virtual void stream(response head, std::uint64_t length, next_piece next) = 0;
};

/// A copyable handle to the pending answer of one request.
class responder {
public:
  explicit responder(std::shared_ptr<exchange> ex) : ex_(std::move(ex)) {}

  /// Sends `res`; call on the connection's strand.
  void send(response res) const { ex_->send(std::move(res)); }

  /// Streams a body of `length` bytes (exchange::stream); on the strand.
  void stream(response head, std::uint64_t length, next_piece next) const {
    ex_->stream(std::move(head), length, std::move(next));
  }

  /// Sends the error body of `e`; call on the connection's strand.
  void fail(const api_error& e) const { send(error_response(e)); }

  /// A callback for an actor's answer: `f(outcome<T>, responder)` runs on
  /// the connection's strand.
  template <class T, class F>
  std::function<void(outcome<T>)> then(F f) const {
    return [self = *this, f = std::move(f)](outcome<T> r) {
      self.ex_->post([self, f, r = std::move(r)]() mutable { f(std::move(r), self); });
    };
  }

  /// A callback answering `status` with `render(value)` on success and the
  /// error body otherwise.
  template <class T, class Render>
  std::function<void(outcome<T>)> answer_json(http::status status, Render render) const {
    return then<T>([status, render = std::move(render)](outcome<T> r, const responder& out) {
      if (!r.ok())
        return out.fail(r.error);
      out.send(json_response(status, render(r.value)));
    });
  }

  /// A callback answering 204 on success and the error body otherwise.
  std::function<void(outcome<none_t>)> answer_empty() const {
    return then<none_t>([](outcome<none_t> r, const responder& out) {
      if (!r.ok())
        return out.fail(r.error);
      out.send(no_content());
    });
  }

private:
  std::shared_ptr<exchange> ex_;
};

} // namespace chat::net
