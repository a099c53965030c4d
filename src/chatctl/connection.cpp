#include "chatctl/connection.hpp"

#include <algorithm>
#include <atomic>
#include <future>
#include <memory>

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include "actors/atoms.hpp"
#include "actors/cluster/connect.hpp"
#include "actors/cluster/handshake.hpp"
#include "actors/errors.hpp"
#include "actors/system_config.hpp"

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

  /// Dials one node; on failure *error is the reason alone.
  bool dial(const node_config& n, std::string* error) {
    auto got = cluster::connect_to_node(sys, n.host, n.cluster_port, key, "chatctl",
                                        connect_timeout);
    if (!got) {
      *error = describe(sys, got.error());
      return false;
    }
    if (!got->admin) {
      *error = "the node has no admin actor";
      return false;
    }
    admin = got->admin;
    node = n.id;
    return true;
  }

  static std::string label(const node_config& n) {
    return n.id + " (" + n.host + ":" + std::to_string(n.cluster_port) + ")";
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
      *error = "cannot connect to " + label(*n) + ": " + why;
      return false;
    }
    // Every node in config order; one reason for all when they agree.
    std::vector<std::pair<std::string, std::string>> failed;
    for (const auto& n : config.nodes) {
      std::string why;
      if (dial(n, &why))
        return true;
      failed.emplace_back(label(n), why);
    }
    bool same = std::all_of(failed.begin(), failed.end(),
                            [&](const auto& f) { return f.second == failed.front().second; });
    std::string list;
    for (const auto& [who, why] : failed)
      list += (list.empty() ? "" : same ? ", " : "; ") + who + (same ? "" : ": " + why);
    *error = same && !failed.empty()
               ? "cannot connect to any node (" + list + "): " + failed.front().second
               : "cannot connect to any node: " + list;
    return false;
  }

  void drop() {
    admin = nullptr;
    node.clear();
  }

  /// One request, from a short-lived actor that also monitors the admin
  /// actor: a node that dies (or whose link CAF's heartbeat declares dead)
  /// ends the wait at once instead of at the timeout.
  admin_answer ask_once(const std::string& command, const std::vector<std::string>& args,
                        bool* lost) {
    auto done = std::make_shared<std::promise<admin_answer>>();
    auto answer = done->get_future();
    auto target = admin;
    auto name = node;
    auto lost_flag = std::make_shared<std::atomic<bool>>(false);
    sys.spawn([done, target, name, command, args, lost_flag](caf::event_based_actor* self)
                -> caf::behavior {
      auto finished = std::make_shared<bool>(false);
      auto finish = [self, done, finished](admin_answer a) {
        if (*finished)
          return;
        *finished = true;
        done->set_value(std::move(a));
        self->quit();
      };
      self->monitor(target);
      self->set_down_handler([finish, name, lost_flag](caf::down_msg&) {
        lost_flag->store(true);
        admin_answer a;
        a.error = "lost the connection to " + name;
        finish(std::move(a));
      });
      self->request(target, command_timeout, admin_atom::value, command, args)
        .then(
          [finish](std::string& json) {
            admin_answer a;
            a.ok = true;
            a.json = std::move(json);
            finish(std::move(a));
          },
          [finish, name, self](caf::error& err) {
            admin_answer a;
            if (err.category() == caf::atom("chat")) {
              auto api = to_api_error(err);
              a.error = api.message.empty() ? std::string(code_name(api.code)) : api.message;
            } else if (err == caf::sec::request_timeout) {
              a.error = name + " did not answer within " + seconds(command_timeout);
            } else {
              a.error = "lost the connection to " + name + " (" +
                        self->system().render(err) + ")";
            }
            finish(std::move(a));
          });
      return {[](done_atom) {}};
    });
    if (answer.wait_for(command_timeout + std::chrono::seconds(2)) != std::future_status::ready) {
      admin_answer a;
      a.error = name + " did not answer within " + seconds(command_timeout);
      return a;
    }
    *lost = lost_flag->load();
    return answer.get();
  }

  admin_answer ask(const std::string& command, const std::vector<std::string>& args) {
    admin_answer out;
    if (!connect(&out.error))
      return out;
    bool lost = false;
    out = ask_once(command, args, &lost);
    if (!lost)
      return out;
    // The node went away, before or while it was asked: dial again (another
    // node, unless --node) and ask once more, unless the command changes
    // something and may already have been carried out.
    drop();
    std::string error;
    if (!connect(&error)) {
      out.error += "; " + error;
      return out;
    }
    if (command == "kick" || command == "revoke") {
      out.error += "; now connected to " + node + ": check with 'sessions' before retrying";
      return out;
    }
    auto lost_from = out.error;
    out = ask_once(command, args, &lost);
    out.notice = lost_from + "; asked " + node + " instead";
    if (lost)
      drop();
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
