/**
 * The Standard Schema interface (https://standardschema.dev, version 1), which zod,
 * valibot, arktype and others implement: written out here rather than imported, since it
 * is a handful of types and a dependency for them would be one more package to trust.
 */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  /** The properties a schema library puts under `~standard`. */
  readonly '~standard': StandardSchemaV1.Props<Input, Output>;
}

export declare namespace StandardSchemaV1 {
  /** What every Standard Schema carries. */
  export interface Props<Input = unknown, Output = Input> {
    readonly version: 1;
    /** The library, e.g. `'zod'`. */
    readonly vendor: string;
    /** Checks a value; may answer at once or by a promise. */
    readonly validate: (value: unknown) => Result<Output> | Promise<Result<Output>>;
    readonly types?: Types<Input, Output> | undefined;
  }

  /** The outcome of `validate`. */
  export type Result<Output> = SuccessResult<Output> | FailureResult;

  /** A value the schema accepted, as the schema outputs it. */
  export interface SuccessResult<Output> {
    readonly value: Output;
    readonly issues?: undefined;
  }

  /** A value the schema refused, and why. */
  export interface FailureResult {
    readonly issues: ReadonlyArray<Issue>;
  }

  /** One reason a value was refused, at `path` in it (absent: the value as a whole). */
  export interface Issue {
    readonly message: string;
    readonly path?: ReadonlyArray<PropertyKey | PathSegment> | undefined;
  }

  /** A step of an issue's path, as some libraries give it. */
  export interface PathSegment {
    readonly key: PropertyKey;
  }

  /** The input and output types, for inference only. */
  export interface Types<Input = unknown, Output = Input> {
    readonly input: Input;
    readonly output: Output;
  }

  /** The type a schema accepts. */
  export type InferInput<Schema extends StandardSchemaV1> = NonNullable<
    Schema['~standard']['types']
  >['input'];

  /** The type a schema outputs: a validated collection's document type. */
  export type InferOutput<Schema extends StandardSchemaV1> = NonNullable<
    Schema['~standard']['types']
  >['output'];
}
