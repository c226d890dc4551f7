#include "app/command_line.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sluice::app {
namespace {

CommandLine Parse(std::vector<std::string> args) { return ParseCommandLine(args); }

TEST(CommandLineTest, RunWithShortConfigOption) {
  const auto cl = Parse({"run", "-c", "/etc/sluice.yaml"});
  EXPECT_EQ(cl.error, "");
  EXPECT_EQ(cl.command, Command::kRun);
  EXPECT_EQ(cl.config_path, "/etc/sluice.yaml");
}

TEST(CommandLineTest, CheckWithShortConfigOption) {
  const auto cl = Parse({"check", "-c", "a.yaml"});
  EXPECT_EQ(cl.error, "");
  EXPECT_EQ(cl.command, Command::kCheck);
  EXPECT_EQ(cl.config_path, "a.yaml");
}

TEST(CommandLineTest, LongConfigOptionWithSeparateValue) {
  const auto cl = Parse({"check", "--config", "b.yaml"});
  EXPECT_EQ(cl.error, "");
  EXPECT_EQ(cl.command, Command::kCheck);
  EXPECT_EQ(cl.config_path, "b.yaml");
}

TEST(CommandLineTest, LongConfigOptionWithEquals) {
  const auto cl = Parse({"run", "--config=c.yaml"});
  EXPECT_EQ(cl.error, "");
  EXPECT_EQ(cl.command, Command::kRun);
  EXPECT_EQ(cl.config_path, "c.yaml");
}

TEST(CommandLineTest, ConfigPathMayContainEqualsAndSpaces) {
  EXPECT_EQ(Parse({"run", "--config=dir/a=b.yaml"}).config_path, "dir/a=b.yaml");
  EXPECT_EQ(Parse({"run", "-c", "my config.yaml"}).config_path, "my config.yaml");
}

TEST(CommandLineTest, DefaultConfigPathWhenNoneGiven) {
  for (const char* command : {"run", "check"}) {
    const auto cl = Parse({command});
    EXPECT_EQ(cl.error, "") << command;
    EXPECT_EQ(cl.config_path, "config/sluice.yaml") << command;
  }
}

TEST(CommandLineTest, LastConfigOptionWins) {
  EXPECT_EQ(Parse({"run", "-c", "a.yaml", "--config=b.yaml"}).config_path, "b.yaml");
}

TEST(CommandLineTest, VersionInEveryForm) {
  for (const char* flag : {"--version", "-V", "version"}) {
    const auto cl = Parse({flag});
    EXPECT_EQ(cl.error, "") << flag;
    EXPECT_EQ(cl.command, Command::kVersion) << flag;
  }
}

TEST(CommandLineTest, HelpInEveryForm) {
  for (const char* flag : {"--help", "-h", "help"}) {
    const auto cl = Parse({flag});
    EXPECT_EQ(cl.error, "") << flag;
    EXPECT_EQ(cl.command, Command::kHelp) << flag;
  }
}

TEST(CommandLineTest, HelpAfterACommandShowsHelp) {
  for (const char* flag : {"--help", "-h"}) {
    const auto cl = Parse({"run", "-c", "a.yaml", flag});
    EXPECT_EQ(cl.error, "") << flag;
    EXPECT_EQ(cl.command, Command::kHelp) << flag;
  }
}

TEST(CommandLineTest, MissingCommandIsAnError) {
  const auto cl = Parse({});
  EXPECT_EQ(cl.error, "missing command");
}

TEST(CommandLineTest, UnknownCommandIsAnError) {
  const auto cl = Parse({"serve", "-c", "a.yaml"});
  EXPECT_EQ(cl.error, "unknown command \"serve\"");
}

TEST(CommandLineTest, OptionBeforeCommandIsAnUnknownCommand) {
  EXPECT_EQ(Parse({"-c", "a.yaml", "run"}).error, "unknown command \"-c\"");
}

TEST(CommandLineTest, CommandsAreCaseSensitive) {
  EXPECT_EQ(Parse({"RUN"}).error, "unknown command \"RUN\"");
}

TEST(CommandLineTest, UnknownOptionIsAnError) {
  EXPECT_EQ(Parse({"run", "--verbose"}).error, "unknown option \"--verbose\"");
  EXPECT_EQ(Parse({"check", "-c", "a.yaml", "extra"}).error, "unknown option \"extra\"");
  EXPECT_EQ(Parse({"run", "--config-file=a.yaml"}).error,
            "unknown option \"--config-file=a.yaml\"");
}

TEST(CommandLineTest, VersionIsNotAnOptionOfRun) {
  EXPECT_EQ(Parse({"run", "--version"}).error, "unknown option \"--version\"");
}

TEST(CommandLineTest, ShortConfigOptionWithoutFileIsAnError) {
  EXPECT_EQ(Parse({"run", "-c"}).error, "-c needs a file name");
}

TEST(CommandLineTest, LongConfigOptionWithoutFileIsAnError) {
  EXPECT_EQ(Parse({"check", "--config"}).error, "--config needs a file name");
}

TEST(CommandLineTest, LongConfigOptionWithEmptyValueIsAnError) {
  const auto cl = Parse({"run", "--config="});
  EXPECT_NE(cl.error, "");
}

TEST(CommandLineTest, ReloadReadsTheAdminListenerFromTheConfigByDefault) {
  const auto cl = Parse({"reload", "-c", "a.yaml"});
  EXPECT_EQ(cl.error, "");
  EXPECT_EQ(cl.command, Command::kReload);
  EXPECT_EQ(cl.config_path, "a.yaml");
  EXPECT_EQ(cl.admin_address, "");
  EXPECT_FALSE(cl.admin_token.has_value());
  EXPECT_EQ(Parse({"reload"}).config_path, "config/sluice.yaml");
}

TEST(CommandLineTest, ReloadTakesAdminAndTokenOverridesInBothForms) {
  const auto separate = Parse({"reload", "--admin", "127.0.0.1:9902", "--token", "s3cret"});
  EXPECT_EQ(separate.error, "");
  EXPECT_EQ(separate.admin_address, "127.0.0.1:9902");
  EXPECT_EQ(separate.admin_token, "s3cret");
  const auto equals = Parse({"reload", "--admin=[::1]:9901", "--token=a=b", "-c", "x.yaml"});
  EXPECT_EQ(equals.error, "");
  EXPECT_EQ(equals.admin_address, "[::1]:9901");
  EXPECT_EQ(equals.admin_token, "a=b");
  EXPECT_EQ(equals.config_path, "x.yaml");
}

TEST(CommandLineTest, EmptyTokenOverridesTheFilesTokenWithNone) {
  const auto cl = Parse({"reload", "--token="});
  EXPECT_EQ(cl.error, "");
  EXPECT_EQ(cl.admin_token, "");
}

TEST(CommandLineTest, ReloadOptionsWithoutValueAreErrors) {
  EXPECT_EQ(Parse({"reload", "--admin"}).error, "--admin needs a value");
  EXPECT_EQ(Parse({"reload", "--token"}).error, "--token needs a value");
  EXPECT_EQ(Parse({"reload", "--admin="}).error, "--admin needs HOST:PORT");
}

TEST(CommandLineTest, ReloadOptionsBelongToReloadOnly) {
  EXPECT_EQ(Parse({"run", "--admin", "127.0.0.1:1"}).error, "--admin is an option of reload only");
  EXPECT_EQ(Parse({"check", "--token=x"}).error, "--token is an option of reload only");
  EXPECT_EQ(Parse({"reload", "--admins=x"}).error, "unknown option \"--admins=x\"");
}

TEST(CommandLineTest, UsageNamesEveryCommandAndOption) {
  const auto usage = UsageText();
  for (const char* word :
       {"usage: sluice", "run", "check", "reload", "-c, --config FILE", "--admin HOST:PORT",
        "--token TOKEN", "-h, --help", "-V, --version", "config/sluice.yaml", "SIGHUP reloads"}) {
    EXPECT_NE(usage.find(word), std::string::npos) << word;
  }
  EXPECT_EQ(usage.back(), '\n');
}

}  // namespace
}  // namespace sluice::app
