#include "chatctl/connection.hpp"

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include "actors/atoms.hpp"
#include "actors/cluster/connect.hpp"
#include "actors/cluster/handshake.hpp"
#include "actors/errors.hpp"
#include "actors/system_config.hpp"

// TODO(admin actor): drop once src/actors/atoms.hpp declares admin_atom
// (an identical alias declaration is allowed, so this compiles either way).
namespace chat {
using admin_atom = caf::atom_constant<caf::atom("admin")>;
} // namespace chat

namespace chat::ctl {
namespace {

std::string seconds(std::chrono::milliseconds ms) {
  return std::to_string(ms.count() / 1000) + " s";
}

std::string describe(caf::actor_system& sys, const caf::error& err) {
  // connect_to_node puts its own sentence in the context.
  const auto& ctx = err.context();
  if (ctx.size() == 1 && ctx.match_element<std::string>(0))
    return ctx.get_as<std::string>(0);
  return sys.render(err);
}

} // namespace

struct admin_connection::impl {
  cluster_config config;
  std::string key;
  std::string wanted; // --node, or empty
  node_system_config sys_config{1, "sharing"};
  caf::actor_system sys{sys_config};
  caf::actor admin;
  std::string node; // connected to

  impl(cluster_config c, const std::string& secret, std::string n)
    : config(std::move(c)), key(cluster::handshake::cluster_key(secret)), wanted(std::move(n)) {}

  bool dial(const node_config& n, std::string* error) {
    auto got = cluster::connect_to_node(sys, n.host, n.cluster_port, key, "chatctl",
                                        connect_timeout);
    if (!got) {
      *error = n.id + " (" + n.host + ":" + std::to_string(n.cluster_port) +
               "): " + describe(sys, got.error());
      return false;
    }
    if (!got->admin) {
      *error = n.id + " has no admin actor";
      return false;
    }
    admin = got->admin;
    node = n.id;
    return true;
  }

  bool connect(std::string* error) {
    if (admin)
      return true;
    if (!wanted.empty()) {
      const node_config* n = config.find(wanted);
      if (!n) {
        *error = "no node '" + wanted + "' in the config";
        return false;
      }
      std::string why;
      if (dial(*n, &why))
        return true;
      *error = "cannot connect to " + why;
      return false;
    }
    std::string all;
    for (const auto& n : config.nodes) {
      std::string why;
      if (dial(n, &why))
        return true;
      all += (all.empty() ? "" : "; ") + why;
    }
    *error = "cannot connect to any node: " + all;
    return false;
  }

  void drop() {
    admin = nullptr;
    node.clear();
  }

  admin_answer ask(const std::string& command, const std::vector<std::string>& args) {
    admin_answer out;
    if (!connect(&out.error))
      return out;
    caf::scoped_actor self{sys};
    self->request(admin, command_timeout, admin_atom::value, command, args)
      .receive(
        [&](std::string& json) {
          out.ok = true;
          out.json = std::move(json);
        },
        [&](caf::error& err) {
          if (err.category() == caf::atom("chat")) {
            auto api = to_api_error(err);
            out.error = api.message.empty() ? std::string(code_name(api.code)) : api.message;
            return;
          }
          // Anything else: the node itself could not be reached.
          if (err == caf::sec::request_timeout)
            out.error = node + " did not answer within " + seconds(command_timeout);
          else
            out.error = "lost the connection to " + node + " (" + sys.render(err) + ")";
          drop();
        });
    return out;
  }
};

admin_connection::admin_connection(cluster_config config, const std::string& secret,
                                   std::string node)
  : impl_(std::make_unique<impl>(std::move(config), secret, std::move(node))) {}

admin_connection::~admin_connection() = default;

bool admin_connection::connect(std::string* error) { return impl_->connect(error); }

bool admin_connection::connected() const { return static_cast<bool>(impl_->admin); }

const std::string& admin_connection::node_id() const { return impl_->node; }

admin_answer admin_connection::ask(const std::string& command,
                                   const std::vector<std::string>& args) {
  return impl_->ask(command, args);
}

} // namespace chat::ctl
