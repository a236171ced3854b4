import { Svg, type GlyphProps } from '../ui/icons.tsx';

export const CloseGlyph = (p: GlyphProps) => (
  <Svg {...p}>
    <path d="M6.4 5 5 6.4 10.6 12 5 17.6 6.4 19l5.6-5.6 5.6 5.6 1.4-1.4-5.6-5.6L19 6.4 17.6 5 12 10.6z" />
  </Svg>
);

export const BagGlyph = (p: GlyphProps) => (
  <Svg {...p}>
    <path d="M7 7V6a5 5 0 0 1 10 0v1h3a1 1 0 0 1 1 1.1l-1.2 12A2 2 0 0 1 17.8 22H6.2a2 2 0 0 1-2-1.9L3 8.1A1 1 0 0 1 4 7zm2 0h6V6a3 3 0 0 0-6 0zm-2 3v2h2v-2zm8 0v2h2v-2z" />
  </Svg>
);
