#include "target.hpp"

#include <boost/asio/ip/address.hpp>

#include <charconv>
#include <fstream>
#include <sstream>

namespace chatbench {

std::string node_url::text() const { return "http://" + host_header(); }

std::string node_url::host_header() const {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

bool is_loopback_literal(std::string_view host) {
  boost::system::error_code ec;
  auto a = boost::asio::ip::make_address(std::string(host), ec);
  if (ec)
    return false;
  if (a.is_v4())
    return a.to_v4().is_loopback();
  auto v6 = a.to_v6();
  if (v6.is_loopback())
    return true;
  if (v6.is_v4_mapped())
    return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, v6).is_loopback();
  return false;
}

parse_result parse_node_url(std::string_view text) {
  parse_result r;
  auto fail = [&](std::string why) {
    r.error = "refusing --url '" + std::string(text) + "': " + why;
    return r;
  };
  constexpr std::string_view scheme = "http://";
  if (text.substr(0, scheme.size()) != scheme)
    return fail("only http://host:port on loopback is supported");
  auto rest = text.substr(scheme.size());
  if (!rest.empty() && rest.back() == '/')
    rest.remove_suffix(1);
  if (rest.find('/') != std::string_view::npos || rest.find('@') != std::string_view::npos ||
      rest.find('?') != std::string_view::npos)
    return fail("give the node's base URL only (no path, query or user info)");
  node_url u;
  std::string_view port_text;
  if (!rest.empty() && rest.front() == '[') {
    auto close = rest.find(']');
    if (close == std::string_view::npos)
      return fail("unterminated IPv6 address");
    u.host = std::string(rest.substr(1, close - 1));
    auto after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':')
        return fail("bad port");
      port_text = after.substr(1);
    }
  } else {
    auto colon = rest.rfind(':');
    if (colon == std::string_view::npos) {
      u.host = std::string(rest);
    } else {
      u.host = std::string(rest.substr(0, colon));
      port_text = rest.substr(colon + 1);
    }
  }
  if (u.host.empty())
    return fail("no host");
  if (port_text.empty()) {
    u.port = 80;
  } else {
    unsigned v = 0;
    auto [p, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), v);
    if (ec != std::errc{} || p != port_text.data() + port_text.size() || v == 0 || v > 65535)
      return fail("bad port");
    u.port = static_cast<std::uint16_t>(v);
  }
  if (u.host != "localhost" && !is_loopback_literal(u.host))
    return fail("chatbench only loads servers on this machine: loopback addresses only (127.0.0.0/8, ::1, localhost)");
  r.url = std::move(u);
  return r;
}

namespace {
std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}
} // namespace

cluster_nodes parse_cluster_conf(std::string_view text) {
  cluster_nodes out;
  struct section { std::string name, host = "127.0.0.1", port; };
  std::vector<section> sections;
  std::size_t line_no = 0;
  while (!text.empty()) {
    auto nl = text.find('\n');
    auto line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    ++line_no;
    if (auto c = line.find_first_of(";#"); c != std::string_view::npos)
      line = line.substr(0, c);
    line = trim(line);
    if (line.empty())
      continue;
    if (line.front() == '[') {
      if (line.back() != ']') {
        out.error = "cluster.conf line " + std::to_string(line_no) + ": bad section header";
        return out;
      }
      sections.emplace_back();
      sections.back().name = std::string(trim(line.substr(1, line.size() - 2)));
      continue;
    }
    auto eq = line.find('=');
    if (eq == std::string_view::npos || sections.empty())
      continue;
    auto key = trim(line.substr(0, eq));
    auto value = trim(line.substr(eq + 1));
    if (key == "host")
      sections.back().host = std::string(value);
    else if (key == "http_port")
      sections.back().port = std::string(value);
  }
  for (const auto& s : sections) {
    if (s.name == "cluster" || s.port.empty())
      continue;
    auto r = parse_node_url("http://" + (s.host.find(':') != std::string::npos ? "[" + s.host + "]" : s.host) +
                            ":" + s.port);
    if (!r.url) {
      out.error = "cluster.conf node [" + s.name + "]: " + r.error;
      out.nodes.clear();
      return out;
    }
    out.nodes.push_back(*r.url);
  }
  if (out.nodes.empty())
    out.error = "cluster.conf names no node with an http_port";
  return out;
}

cluster_nodes read_cluster_conf(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    cluster_nodes out;
    out.error = "cannot read " + path;
    return out;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_cluster_conf(ss.str());
}

} // namespace chatbench
