#include "chatctl/connect.hpp"

#include <future>
#include <set>

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include "cluster/gate.hpp"

namespace chat::cluster {

caf::expected<node_actors> connect_to_node(caf::actor_system& sys, gate& dialer,
                                           const std::string& host, std::uint16_t port,
                                           std::chrono::milliseconds timeout) {
  auto fail = [](std::string text) {
    return caf::make_error(caf::sec::cannot_connect_to_node, std::move(text));
  };
  // Shared: after a timeout here the gate's thread may still fulfil it.
  auto dialed = std::make_shared<std::promise<std::pair<int, std::string>>>();
  auto result = dialed->get_future();
  dialer.dial(host, port, [dialed](int fd, std::string error) {
    dialed->set_value({fd, std::move(error)});
  });
  if (result.wait_for(timeout + std::chrono::seconds(1)) != std::future_status::ready)
    return fail("timed out");
  auto [fd, error] = result.get();
  if (fd < 0)
    return fail(error);
  auto basp = sys.middleman().named_broker<caf::io::basp_broker>(caf::atom("BASP"));
  auto scribe = sys.middleman().backend().new_scribe(fd);
  caf::scoped_actor self{sys};
  caf::actor endpoint;
  caf::error failure;
  self->request(basp, timeout, caf::connect_atom::value, std::move(scribe), port)
    .receive(
      [&](const caf::node_id&, caf::strong_actor_ptr& ptr, const std::set<std::string>&) {
        endpoint = caf::actor_cast<caf::actor>(ptr);
      },
      [&](caf::error& err) { failure = std::move(err); });
  if (!endpoint)
    return failure ? failure : fail("the node published no actor");
  node_actors actors;
  self->request(endpoint, timeout, caf::get_atom::value)
    .receive([&](node_actors& a) { actors = std::move(a); },
             [&](caf::error& err) { failure = std::move(err); });
  if (failure)
    return failure;
  return actors;
}

} // namespace chat::cluster
