#include "chatctl/cli_options.hpp"

#include <CLI/CLI.hpp>

#include "chatctl/commands.hpp"

namespace chat::ctl {

cli_parse parse_cli(int argc, char** argv) {
  cli_parse out;
  auto& o = out.options;
  CLI::App app{"chatctl: inspect and steer the live actors of a chat cluster.\n"
               "Without -c it opens an interactive shell (history, TAB completion).",
               "chatctl"};
  app.add_option("--config", o.config, "the cluster.conf the nodes read (its secret_file "
                                       "authenticates chatctl; with tls_ca it dials over TLS, "
                                       "presenting chatctl_cert, else the dialed node's tls_cert)")
    ->required();
  app.add_option("--node", o.node, "the node to talk to (default: the first one in "
                                   "cluster.conf that answers)");
  app.add_option("-c,--command", o.command, "run one command, print its answer and exit");
  app.add_flag("--json", o.json, "print each answer as a JSON document (one line), "
                                 "for scripts");
  app.footer("Commands:\n" + command_summary() +
             "\nExit codes: 0 success, 1 error (cannot connect, wrong secret, the node "
             "refused), 2 usage.");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    out.result = cli_parse::help;
    out.text = app.help();
    return out;
  } catch (const CLI::ParseError& e) {
    out.result = cli_parse::usage_error;
    out.text = e.what();
    return out;
  }
  o.has_command = app.count("-c") > 0;
  return out;
}

} // namespace chat::ctl
