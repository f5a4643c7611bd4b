namespace FastRecurrence.Tests; internal static class Placeholder {}
