#include <catch2/catch.hpp>

#include <boost/json/parse.hpp>

#include "schema/frames.hpp"

using namespace chat;
namespace json = boost::json;

namespace {

frame_rejection rejected(std::string_view text) {
  auto r = parse_client_frame(text);
  REQUIRE(std::holds_alternative<frame_rejection>(r));
  return std::get<frame_rejection>(r);
}

client_frame accepted(std::string_view text) {
  auto r = parse_client_frame(text);
  if (auto* bad = std::get_if<frame_rejection>(&r))
    FAIL(bad->message);
  return std::get<client_frame>(r);
}

} // namespace

TEST_CASE("client frames parse into typed requests") {
  auto send = accepted(R"({"type":"send","id":7,"conv":"c_x","text":"hi","client_msg_id":"a"})");
  CHECK(send.type == client_frame_type::send);
  CHECK(send.id == "7");
  CHECK(send.text == "hi");
  CHECK(send.client_msg_id == "a");
  auto sync = accepted(R"({"type":"sync","id":"s1","conv":"c_x","after":5})");
  CHECK(sync.after == 5);
  CHECK(sync.limit == 100);
  CHECK(sync.id == R"("s1")");
  CHECK(accepted(R"({"type":"read","conv":"c","seq":3})").seq == 3);
  CHECK(accepted(R"({"type":"ping"})").id.empty());
  CHECK(accepted(R"({"type":"send","conv":"c","text":"x","client_msg_id":null,"extra":1})")
          .client_msg_id.empty());
}

TEST_CASE("bad client frames are rejected with the id they carried") {
  CHECK(rejected("not json").id.empty());
  CHECK(rejected("[1,2]").id.empty());
  CHECK(rejected(R"({"id":1})").id == "1");
  CHECK(rejected(R"({"type":"dance","id":2})").id == "2");
  CHECK(rejected(R"({"type":"send","id":3,"conv":"c"})").message.find("text") != std::string::npos);
  CHECK(rejected(R"({"type":"send","id":4,"conv":"c","text":""})").id == "4");
  CHECK(rejected(std::string(R"({"type":"send","conv":"c","text":")") + std::string(4097, 'a') + "\"}")
          .code == errc::bad_request);
  CHECK(rejected(R"({"type":"send","conv":"c","text":"x","client_msg_id":5})").code
        == errc::bad_request);
  CHECK(rejected(R"({"type":"sync","conv":"c","after":-1})").code == errc::bad_request);
  CHECK(rejected(R"({"type":"sync","conv":"c","after":0,"limit":501})").code == errc::bad_request);
  CHECK(rejected(R"({"type":"send","text":"x"})").message.find("conv") != std::string::npos);
}

TEST_CASE("server frames are JSON with the type first and re echoed exactly") {
  auto sent = json::parse(sent_frame(R"({"k":[1]})", send_receipt{"c_1", 4, "m_1", 99, true}));
  CHECK(sent.at("type") == "sent");
  CHECK(sent.at("re") == json::parse(R"({"k":[1]})"));
  CHECK(sent.at("seq") == 4);
  CHECK(json::parse(pong_frame("")).at("re").is_null());
  auto msg = message_frame(message_view{"c_1", 1, "m_1", "u_1", "hi", 5, ""});
  CHECK(msg.rfind(R"({"type":"message")", 0) == 0);
  CHECK(json::parse(msg).at("client_msg_id").is_null());
  auto hello = json::parse(hello_frame("n1", "s_1", user_view{"u_1", "al", "Al", 1},
                                       {{"c_1", 3}, {"c_2", std::nullopt}}));
  CHECK(hello.at("conversations").at(0).at("last_seq") == 3);
  CHECK(hello.at("conversations").at(1).at("last_seq").is_null());
  auto err = json::parse(error_frame("9", errc::forbidden, "no"));
  CHECK(err.at("code") == "forbidden");
  CHECK(err.at("re") == 9);
}

TEST_CASE("a lone surrogate escape in text is rejected with the frame's id") {
  auto bad = rejected(R"({"type":"send","id":12,"conv":"c","text":"bad \ud800 x"})");
  CHECK(bad.id == "12");
  CHECK(bad.code == errc::bad_request);
  CHECK(rejected(R"({"type":"send","id":"q","conv":"c","text":"\udc00"})").id == R"("q")");
  // A proper pair is fine.
  CHECK(accepted(R"({"type":"send","conv":"c","text":"\ud83d\ude00"})").text == "\xf0\x9f\x98\x80");
}

TEST_CASE("message change frames and reply_to parse; bad ones are rejected") {
  auto edit = accepted(R"({"type":"edit","id":1,"conv":"c","seq":4,"text":"new"})");
  CHECK(edit.type == client_frame_type::edit);
  CHECK(edit.seq == 4);
  CHECK(edit.text == "new");
  auto del = accepted(R"({"type":"delete","conv":"c","seq":2})");
  CHECK(del.type == client_frame_type::remove);
  auto react = accepted(R"({"type":"react","conv":"c","seq":2,"emoji":"👍"})");
  CHECK(react.type == client_frame_type::react);
  CHECK(react.emoji == "👍");
  CHECK(accepted(R"({"type":"unreact","conv":"c","seq":2,"emoji":"x"})").type
        == client_frame_type::unreact);
  CHECK(accepted(R"({"type":"send","conv":"c","text":"x","reply_to":3})").reply_to == 3);
  CHECK(accepted(R"({"type":"send","conv":"c","text":"x","reply_to":null})").reply_to == 0);

  CHECK(rejected(R"({"type":"edit","id":1,"conv":"c","seq":4})").id == "1"); // no text
  rejected(R"({"type":"edit","conv":"c","seq":0,"text":"x"})");
  rejected(R"({"type":"edit","conv":"c","seq":"4","text":"x"})");
  rejected(R"({"type":"edit","conv":"c","seq":4,"text":""})");
  rejected(R"({"type":"delete","conv":"c"})");
  rejected(R"({"type":"react","conv":"c","seq":1})");
  rejected(R"({"type":"react","conv":"c","seq":1,"emoji":5})");
  rejected(R"({"type":"send","conv":"c","text":"x","reply_to":0})");
  rejected(R"({"type":"send","conv":"c","text":"x","reply_to":-2})");
  rejected(R"({"type":"send","conv":"c","text":"x","reply_to":"3"})");
}

TEST_CASE("a change frame carries the event and the changed message") {
  message_view ev{"c_x", 5, "m_5", "u_a", "new", 10, ""};
  ev.kind = "edit";
  ev.target = 2;
  message_view target{"c_x", 2, "m_2", "u_a", "new", 1, "cm"};
  target.edited_at = 10;
  target.reply_to = 1;
  target.reactions = {{"👍", 2, {"u_b", "u_c"}}};
  auto o = json::parse(change_frame(ev, target)).as_object();
  CHECK(o.at("type") == "change");
  CHECK(o.at("seq") == 5);
  CHECK(o.at("kind") == "edit");
  CHECK(o.at("target") == 2);
  CHECK_FALSE(o.contains("reactions")); // an event has no message state
  auto m = o.at("message").as_object();
  CHECK(m.at("kind") == "message");
  CHECK(m.at("edited_at") == 10);
  CHECK(m.at("reply_to") == 1);
  CHECK(m.at("deleted") == false);
  CHECK(m.at("reactions").as_array().at(0).as_object().at("count") == 2);
  // an ordinary message frame keeps every field it always had
  auto plain = json::parse(message_frame(message_view{"c_x", 1, "m_1", "u_a", "hi", 1, ""}))
                 .as_object();
  for (auto key : {"conv", "seq", "msg_id", "from", "text", "ts", "client_msg_id"})
    CHECK(plain.contains(key));
  CHECK(plain.at("reply_to").is_null());
  CHECK(plain.at("edited_at").is_null());
}
