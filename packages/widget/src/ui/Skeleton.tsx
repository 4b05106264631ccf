/** What shows while the thread loads: reserved space, so the page does not shift. */
export function Skeleton() {
  return (
    <div class="tk" aria-busy="true">
      <div class="tk-skeleton" />
      <div class="tk-skeleton" />
    </div>
  );
}
