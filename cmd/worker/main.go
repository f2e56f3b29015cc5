/*
Copyright 2026 The Vermont Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

// Command worker runs one Vermont workload: a Kafka producer (`worker
// produce`) or an at-least-once consumer group (`worker consume`). The
// operator runs it in the Deployments it manages.
package main

import (
	"fmt"
	"io"
	"os"
)

const usage = `Usage: worker produce|consume [--config FILE]

Runs one Vermont workload, configured by the JSON in the environment variable
VERMONT_WORKER_CONFIG or in FILE.

Commands:
  produce   run a Kafka producer (generator or HTTP source)
  consume   run an at-least-once Kafka consumer group (log, HTTP, Kafka or discard sink)
`

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	case "produce", "consume":
		fmt.Fprintf(stderr, "worker %s: not built yet; the producer and consumer loops arrive with the worker issue\n", args[0])
		return 1
	default:
		fmt.Fprintf(stderr, "worker: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
}
