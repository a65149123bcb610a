/** Exit statuses of the `vmscope` command. */
export const EXIT_OK = 0;
export const EXIT_EXPECT_FAILED = 1;
export const EXIT_INPUT_ERROR = 2;

/** Bad input from the user: printed as one line on stderr, exit status 2. */
export class InputError extends Error {}
