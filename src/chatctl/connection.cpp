#include "chatctl/connection.hpp"

#include <algorithm>
#include <atomic>
#include <future>
#include <memory>
#include <tuple>

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include "actors/admin/admin_api.hpp"
#include "actors/atoms.hpp"
#include "chatctl/connect.hpp"
#include "cluster/gate.hpp"
#include "cluster/handshake.hpp"
#include "security/tls_context.hpp"
#include "actors/rpc/errors.hpp"
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
  admin_api admin;
  std::string node; // connected to
  std::unique_ptr<cluster::gate> link; // the dialing gate; with TLS it pumps the connection

  impl(cluster_config c, const std::string& secret, std::string n)
    : config(std::move(c)), key(cluster::handshake::cluster_key(secret)), wanted(std::move(n)) {}

  /// The gate to dial `n` with: with TLS, chatctl presents chatctl_cert, or
  /// else the certificate of the node it dials (it runs beside that node).
  std::unique_ptr<cluster::gate> gate_for(const node_config& n, std::string* error) {
    cluster::gate_settings gs;
    gs.handshake_timeout = std::chrono::milliseconds(config.handshake_timeout_ms);
    if (config.tls()) {
      bool own = !config.chatctl_cert.empty();
      security::tls_files files{own ? config.chatctl_cert : n.tls_cert,
                                own ? config.chatctl_key : n.tls_key, config.tls_ca};
      gs.tls_client = security::tls_client_context(files, error);
      if (!gs.tls_client)
        return nullptr;
    }
    return std::make_unique<cluster::gate>("chatctl", key, std::move(gs));
  }

  /// Dials one node; on failure *error is the reason alone.
  bool dial(const node_config& n, std::string* error) {
    auto dialer = gate_for(n, error);
    if (!dialer)
      return false;
    auto got = cluster::connect_to_node(sys, *dialer, n.host, n.cluster_port, connect_timeout);
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
    link = std::move(dialer);
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
    admin = admin_api{};
    node.clear();
    link.reset();
  }

  /// One request, from a short-lived actor that also monitors the admin
  /// actor: a node that dies (or whose link CAF's heartbeat declares dead)
  /// ends the wait at once instead of at the timeout. `T` is the answer
  /// the admin_api promises for `xs...`.
  template <class T, class... Ts>
  admin_answer ask_once(bool* lost, Ts... xs) {
    auto done = std::make_shared<std::promise<admin_answer>>();
    auto answer = done->get_future();
    admin_api target = admin;
    auto name = node;
    auto lost_flag = std::make_shared<std::atomic<bool>>(false);
    sys.spawn([done, target, name, lost_flag,
               request = std::make_tuple(std::move(xs)...)](caf::event_based_actor* self)
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
      std::apply(
        [&](const auto&... x) {
          return self->request(target, command_timeout, x...);
        },
        request)
        .then(
          [finish](T& reply) {
            admin_answer a;
            a.ok = true;
            a.reply = std::move(reply);
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

  /// The admin_api message for one request of parse_line (which has
  /// checked the arguments).
  admin_answer ask_once(const std::string& command, const std::vector<std::string>& args,
                        bool* lost) {
    auto arg = [&](std::size_t i) { return i < args.size() ? args[i] : std::string{}; };
    if (command == "nodes")
      return ask_once<nodes_report>(lost, nodes_atom::value);
    if (command == "actors") // "" for every node
      return ask_once<actors_report>(lost, actors_atom::value, arg(0));
    if (command == "stats")
      return ask_once<stats_report>(lost, stats_atom::value);
    if (command == "conversations")
      return ask_once<conversations_report>(lost, convs_atom::value, arg(0) == "hot");
    if (command == "sessions")
      return ask_once<user_sessions>(lost, sessions_atom::value, arg(0));
    if (command == "inspect" && arg(0) == "conv")
      return ask_once<conversation_inspection>(lost, inspect_atom::value, conv_atom::value,
                                               arg(1));
    if (command == "inspect" && arg(0) == "user")
      return ask_once<user_inspection>(lost, inspect_atom::value, user_atom::value, arg(1));
    if (command == "inspect" && arg(0) == "session")
      return ask_once<session_inspection>(lost, inspect_atom::value, session_atom::value,
                                          arg(1));
    if (command == "kick")
      return ask_once<kick_result>(lost, kick_atom::value, arg(0));
    if (command == "revoke")
      return ask_once<auth_session_info>(lost, revoke_atom::value, arg(0));
    if (command == "delete-message")   // parse_line checked the seq
      return ask_once<moderation_result>(lost, change_atom::value, arg(0),
                                         static_cast<std::uint64_t>(std::stoull(arg(1))));
    if (command == "block-user" || command == "unblock-user")
      return ask_once<moderation_result>(lost, block_atom::value, arg(0),
                                         command == "block-user");
    if (command == "history") {
      std::uint32_t n = 0; // the node's default
      if (!arg(1).empty())
        n = static_cast<std::uint32_t>(std::stoul(arg(1)));
      return ask_once<history_report>(lost, history_atom::value, arg(0), n);
    }
    if (command == "shards")
      return ask_once<shards_report>(lost, shards_atom::value);
    if (command == "transfer") // parse_line checked that the group is a number
      return ask_once<transfer_result>(lost, transfer_atom::value,
                                       static_cast<std::uint32_t>(std::stoul(arg(0))), arg(1));
    admin_answer a;
    a.error = "unknown command " + command;
    return a;
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
    if (command == "kick" || command == "revoke" || command == "transfer" ||
        command == "delete-message" || command == "block-user" || command == "unblock-user") {
      out.error += "; now connected to " + node + ": check with '" +
                   (command == "transfer" ? "shards" : "sessions") + "' before retrying";
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
