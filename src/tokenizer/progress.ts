// Progress reporting for the slow steps (reading a corpus, computing merges).
// Library code never prints (only src/cli/ does): it calls the caller's function, if given, now
// and then and at the end of each stage, and the caller decides how to show it.

/** One progress report: the stage, how far it is, and the total when known. */
export interface Progress {
  /** What is being done, e.g. 'count words' or 'merges'. */
  stage: string;
  /** Units done so far in this stage (documents, merges, ...). */
  done: number;
  /** Units expected in this stage, when known. */
  total?: number;
}

/** The callback slow steps call with a Progress now and then. */
export type OnProgress = (progress: Progress) => void;
