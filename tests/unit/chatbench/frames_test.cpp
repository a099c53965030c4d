#include <catch2/catch.hpp>

#include "frames.hpp"

#include <boost/json/parse.hpp>

using namespace chatbench;

namespace {
// both paths must agree on everything the scan reports
void same(const frame_info& a, const frame_info& b) {
  CHECK(a.type == b.type);
  CHECK(a.re == b.re);
  CHECK(a.seq == b.seq);
  CHECK(a.conv == b.conv);
  CHECK(a.client_msg_id == b.client_msg_id);
}
} // namespace

TEST_CASE("frames: sent is read by the scan") {
  const std::string text =
    R"({"type":"sent","re":42,"conv":"c_abc","seq":7,"msg_id":"m_x","ts":1700000000000})";
  boost::json::value scratch;
  auto f = parse_frame(text, scratch);
  CHECK(f.fast);
  CHECK(f.type == frame_type::sent);
  CHECK(f.re == 42u);
  CHECK(f.seq == 7u);
  CHECK(f.conv == "c_abc");
  boost::json::value s2;
  same(f, parse_frame_full(text, s2));
}

TEST_CASE("frames: message is read by the scan, quotes in the text do not confuse it") {
  const std::string text =
    R"({"type":"message","conv":"c_1","seq":12,"msg_id":"m_1","from":"u_1","text":"say \"seq\":99, \"type\":\"sent\" \\","ts":5,"client_msg_id":"d3-4"})";
  boost::json::value scratch;
  auto f = parse_frame(text, scratch);
  CHECK(f.fast);
  CHECK(f.type == frame_type::message);
  CHECK(f.seq == 12u);
  CHECK(f.conv == "c_1");
  CHECK(f.client_msg_id == "d3-4");
  CHECK_FALSE(f.re);
  boost::json::value s2;
  same(f, parse_frame_full(text, s2));
}

TEST_CASE("frames: message with a null client_msg_id") {
  const std::string text =
    R"({"type":"message","conv":"c_1","seq":1,"msg_id":"m_1","from":"u_1","text":"hi","ts":5,"client_msg_id":null})";
  boost::json::value scratch;
  auto f = parse_frame(text, scratch);
  CHECK(f.fast);
  CHECK(f.client_msg_id.empty());
}

TEST_CASE("frames: other layouts fall back to the full parse with the same result") {
  boost::json::value scratch;
  // spaces, other key order
  auto f = parse_frame(R"({ "seq": 3, "re": 9, "type": "sent", "conv": "c_2" })", scratch);
  CHECK_FALSE(f.fast);
  CHECK(f.type == frame_type::sent);
  CHECK(f.re == 9u);
  CHECK(f.seq == 3u);
  CHECK(f.conv == "c_2");
  // an escaped character in an id
  auto g = parse_frame(R"({"type":"sent","re":1,"conv":"c_\u0041","seq":3})", scratch);
  CHECK_FALSE(g.fast);
  CHECK(g.conv == "c_A");
}

TEST_CASE("frames: errors, hello and the rest") {
  boost::json::value scratch;
  auto e = parse_frame(R"({"type":"error","re":5,"code":"rate_limited","message":"slow down"})", scratch);
  CHECK(e.type == frame_type::error);
  CHECK(e.re == 5u);
  CHECK(e.code == "rate_limited");
  auto n = parse_frame(R"({"type":"error","re":null,"code":"bad_request","message":"x"})", scratch);
  CHECK(n.type == frame_type::error);
  CHECK_FALSE(n.re);
  CHECK(parse_frame(R"({"type":"hello","node":"n1","user":{"id":"u_1"},"conversations":[]})", scratch).type ==
        frame_type::hello);
  CHECK(parse_frame(R"({"type":"pong","re":3})", scratch).type == frame_type::pong);
  CHECK(parse_frame(R"({"type":"presence","user":"u_1","online":true})", scratch).type == frame_type::other);
  CHECK(parse_frame("not json", scratch).type == frame_type::invalid);
  CHECK(parse_frame("[1,2]", scratch).type == frame_type::invalid);
  CHECK(parse_frame(R"({"no":"type"})", scratch).type == frame_type::invalid);
  // a sent frame the scan cannot finish (no re): the full parse decides
  auto s = parse_frame(R"({"type":"sent","re":null,"conv":"c","seq":1})", scratch);
  CHECK_FALSE(s.fast);
  CHECK(s.type == frame_type::sent);
  CHECK_FALSE(s.re);
}

TEST_CASE("frames: send_frame is valid JSON with the fields given") {
  auto text = send_frame(17, "c_9", "a \"quoted\"\ttext\\\x01", "d1-17");
  auto v = boost::json::parse(text).as_object();
  CHECK(v.at("type") == "send");
  CHECK(v.at("id").as_int64() == 17);
  CHECK(v.at("conv") == "c_9");
  CHECK(v.at("text") == "a \"quoted\"\ttext\\\x01");
  CHECK(v.at("client_msg_id") == "d1-17");
}
