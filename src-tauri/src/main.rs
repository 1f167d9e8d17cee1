fn main() {
    recoup_desktop::run()
}
