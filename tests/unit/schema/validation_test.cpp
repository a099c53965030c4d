#include <catch2/catch.hpp>

#include <string>

#include "schema/validation.hpp"

using namespace chat;

TEST_CASE("usernames follow PROTOCOL.md exactly, without normalising") {
  CHECK(validate::username("bob"));
  CHECK(validate::username("a.b-c_9"));
  CHECK(validate::username(std::string(32, 'x')));
  CHECK_FALSE(validate::username("ab"));
  CHECK_FALSE(validate::username(std::string(33, 'x')));
  CHECK_FALSE(validate::username("Bob"));
  CHECK_FALSE(validate::username("bob smith"));
  // "böb": ö is valid UTF-8 (C3 B6) and is neither folded to 'o' nor
  // accepted. The literal is split: "\xb6b" would be one hex escape.
  const std::string boeb = "b\xc3\xb6" "b";
  REQUIRE(boeb.size() == 4);
  REQUIRE(validate::utf8(boeb));
  CHECK_FALSE(validate::username(boeb));
  CHECK_FALSE(validate::username("\xc3\xb6" "bob")); // first byte non-ASCII too
  CHECK(validate::username("bob.b"));                   // the ASCII form is fine
}

TEST_CASE("passwords are 8 to 256 bytes") {
  CHECK_FALSE(validate::password(std::string(7, 'p')));
  CHECK(validate::password(std::string(8, 'p')));
  CHECK(validate::password(std::string(256, 'p')));
  CHECK_FALSE(validate::password(std::string(257, 'p')));
}

TEST_CASE("strict UTF-8") {
  CHECK(validate::utf8("plain"));
  CHECK(validate::utf8("\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));
  CHECK_FALSE(validate::utf8("\xc3"));             // truncated
  CHECK_FALSE(validate::utf8("\xc0\xaf"));         // overlong '/'
  CHECK_FALSE(validate::utf8("\xed\xa0\x80"));     // lone surrogate U+D800
  CHECK_FALSE(validate::utf8("\xf4\x90\x80\x80")); // above U+10FFFF
  CHECK_FALSE(validate::utf8("\xff"));
}

TEST_CASE("text limits are counted in bytes") {
  CHECK_FALSE(validate::message_text(""));
  CHECK(validate::message_text(std::string(4096, 'a')));
  CHECK_FALSE(validate::message_text(std::string(4097, 'a')));
  // 1366 three-byte characters are 4098 bytes: over the limit.
  std::string euros;
  for (int i = 0; i < 1366; ++i)
    euros += "\xe2\x82\xac";
  CHECK_FALSE(validate::message_text(euros));
  CHECK(validate::title(std::string(128, 't')));
  CHECK_FALSE(validate::title(std::string(129, 't')));
  CHECK_FALSE(validate::display_name("tab\there"));
  CHECK(validate::client_msg_id(std::string(64, 'c')));
  CHECK_FALSE(validate::client_msg_id(std::string(65, 'c')));
}
