// The gemmakit CLI's commands. Each returns the process exit code: 0 ok, 1 a library error
// (message on stderr), 2 a usage error.
#pragma once

namespace cli {

int RunGenerate(int argc, char** argv);
int RunChat(int argc, char** argv);
int RunTokenize(int argc, char** argv);
int RunLogits(int argc, char** argv);
int RunInfo(int argc, char** argv);
int RunBench(int argc, char** argv);
int RunQuantize(int argc, char** argv);
int RunClassify(int argc, char** argv);
int RunScore(int argc, char** argv);
int RunEmbed(int argc, char** argv);
// Hands over to the gemmakit-serve program (tools/serve), which links the HTTP library the CLI does not.
int RunServe(int argc, char** argv);

}  // namespace cli
